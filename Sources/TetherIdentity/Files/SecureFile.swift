import Foundation
import TetherCore

#if canImport(Glibc)
import Glibc
#endif

/// Files that hold keys, certificates and state: directories 0700, private
/// files created with their final mode from the first byte (never loosened
/// later), replaced atomically (write a sibling, fsync, rename) so a reader
/// sees the old file or the new one, never half of either.
public enum SecureFile {
    /// Creates `path` (and parents) if missing and restricts it to its owner.
    public static func makePrivateDirectory(_ path: String) throws(TetherError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw TetherError(.storage, "\(path) exists but is not a directory; move it away.")
            }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw TetherError(.storage, "cannot create directory \(path): \(TetherError.clause(error)).")
            }
        }
        guard chmod(path, 0o700) == 0 else { throw failure("restrict the permissions of", path) }
    }

    public static func write(_ text: String, to path: String, mode: mode_t) throws(TetherError) {
        try write(Array(text.utf8), to: path, mode: mode)
    }

    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws(TetherError) {
        let temporary = "\(path).tmp-\(UInt32.random(in: .min ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("create", temporary) }
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if result < 0, errno == EINTR { continue }
            guard result > 0 else {
                let error = failure("write", temporary)
                close(fd)
                unlink(temporary)
                throw error
            }
            written += result
        }
        guard fsync(fd) == 0, close(fd) == 0 else {
            let error = failure("flush", temporary)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = failure("rename into place", path)
            unlink(temporary)
            throw error
        }
    }

    public static func read(_ path: String) throws(TetherError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TetherError(.notFound, "cannot read \(path); check that it exists and is readable.")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TetherError(.malformed, "\(path) is not UTF-8 text.")
        }
        return text
    }

    public static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Removes `path` if it exists.
    public static func remove(_ path: String) throws(TetherError) {
        guard exists(path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw TetherError(.storage, "cannot remove \(path): \(TetherError.clause(error)).")
        }
    }

    private static func failure(_ action: String, _ path: String) -> TetherError {
        TetherError(.storage, "cannot \(action) \(path): \(String(cString: strerror(errno))).")
    }
}
