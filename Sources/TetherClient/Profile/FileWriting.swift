import Foundation
import TetherCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX file helpers for the profile: private files are created with
/// their final mode from the first byte, never loosened afterwards.
enum FileWriting {
    /// Creates `path` (and parents) if missing and sets it to `mode`.
    static func makeDirectory(_ path: String, mode: mode_t) throws(TetherError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: Int(mode)])
        } catch {
            throw TetherError(.storage, "cannot create directory \(path): \(error.localizedDescription).")
        }
        guard chmod(path, mode) == 0 else { throw failure("set the mode of", path) }
    }

    /// Writes through a sibling created with `mode`, then renames it over
    /// `path`, so a reader sees the old file or the new one, never half.
    static func store(_ text: String, at path: String, mode: mode_t) throws(TetherError) {
        let temporary = "\(path).tmp-\(UInt32.random(in: .min ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("create", temporary) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
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

    static func read(_ path: String) throws(TetherError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TetherError(.notFound, "cannot read \(path); check that it exists and is readable.")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TetherError(.malformed, "\(path) is not UTF-8 text.")
        }
        return text
    }

    /// Removes `path` if it exists.
    static func remove(_ path: String) throws(TetherError) {
        guard FileManager.default.fileExists(atPath: path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw TetherError(.storage, "cannot remove \(path): \(error.localizedDescription).")
        }
    }

    private static func failure(_ action: String, _ path: String) -> TetherError {
        TetherError(.storage, "cannot \(action) \(path): \(String(cString: strerror(errno))).")
    }
}
