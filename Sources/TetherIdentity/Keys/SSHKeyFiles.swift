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
        try SecureFile.write(Array(key.openSSHFileText(comment: comment).utf8), to: path, mode: 0o600)
        try SecureFile.write(Array((key.publicKey.authorizedKeyLine(comment: comment) + "\n").utf8), to: path + ".pub", mode: 0o644)
    }

    /// Reads an OpenSSH private key file.
    public static func readPrivateKey(at path: String) throws(TetherError) -> SSHPrivateKey {
        try SSHPrivateKey(openSSHFileText: try SecureFile.read(path))
    }

    /// Reads the first key line of a `.pub` or authorized_keys file.
    public static func readPublicKey(at path: String) throws(TetherError) -> SSHPublicKey {
        let text = try SecureFile.read(path)
        guard let line = text.split(whereSeparator: \.isNewline).first(where: { !$0.hasPrefix("#") && !$0.allSatisfy(\.isWhitespace) }) else {
            throw TetherError(.malformed, "\(path) holds no public key line.")
        }
        return try SSHPublicKey(authorizedKeyLine: String(line))
    }
}
