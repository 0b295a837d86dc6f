import Foundation
import TetherCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and writing key files on disk.
public enum SSHKeyFiles {
    /// Writes `key` to `path` in OpenSSH format and its public key to `path.pub`.
    ///
    /// The private key file is created with mode 0600 from the first byte
    /// (a temporary file created 0600, then renamed over `path`), so it is
    /// never readable by others, not even briefly.
    public static func writePrivateKey(_ key: SSHPrivateKey, to path: String, comment: String = "") throws(TetherError) {
        try writeAtomically(Array(key.openSSHFileText(comment: comment).utf8), to: path, mode: 0o600)
        try writeAtomically(Array((key.publicKey.authorizedKeyLine(comment: comment) + "\n").utf8), to: path + ".pub", mode: 0o644)
    }

    /// Reads an OpenSSH private key file.
    public static func readPrivateKey(at path: String) throws(TetherError) -> SSHPrivateKey {
        try SSHPrivateKey(openSSHFileText: try readText(at: path))
    }

    /// Reads the first key line of a `.pub` or authorized_keys file.
    public static func readPublicKey(at path: String) throws(TetherError) -> SSHPublicKey {
        let text = try readText(at: path)
        guard let line = text.split(whereSeparator: \.isNewline).first(where: { !$0.hasPrefix("#") && !$0.allSatisfy(\.isWhitespace) }) else {
            throw TetherError(.malformed, "\(path) holds no public key line.")
        }
        return try SSHPublicKey(authorizedKeyLine: String(line))
    }

    static func readText(at path: String) throws(TetherError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TetherError(.notFound, "cannot read \(path); check that it exists and is readable.")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TetherError(.malformed, "\(path) is not UTF-8 text.")
        }
        return text
    }

    /// Writes through a temporary sibling created with `mode`, then renames
    /// it into place, so readers see either the old or the new file.
    static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t) throws(TetherError) {
        let temporary = "\(path).tmp-\(UInt32.random(in: .min ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw fileError("create", temporary) }
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if result < 0, errno == EINTR { continue }
            guard result > 0 else {
                let error = fileError("write", temporary)
                close(fd)
                unlink(temporary)
                throw error
            }
            written += result
        }
        guard fsync(fd) == 0, close(fd) == 0 else {
            let error = fileError("flush", temporary)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = fileError("rename into place", path)
            unlink(temporary)
            throw error
        }
    }

    private static func fileError(_ action: String, _ path: String) -> TetherError {
        TetherError(.storage, "cannot \(action) \(path): \(String(cString: strerror(errno))).")
    }
}
