import Foundation
import TetherCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files holding key material: created with their final mode from the first
/// byte (never briefly world-readable) and renamed into place.
enum SecretFile {
    /// Creates `path` (and parents) as a directory only its owner may enter.
    static func makePrivateDirectory(_ path: String) throws(TetherError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw TetherError(.storage, "cannot create directory \(path): \(error.localizedDescription).")
        }
    }

    static func save(_ text: String, to path: String, mode: mode_t) throws(TetherError) {
        let bytes = Array(text.utf8)
        let temporary = "\(path).tmp-\(UInt32.random(in: .min ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("create", temporary) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            let error = failure("write", temporary)
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = failure("rename into place", path)
            unlink(temporary)
            throw error
        }
    }

    static func read(_ path: String) throws(TetherError) -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw TetherError(.notFound, "cannot read \(path); check that it exists and that you may read it (run as the user tetherd runs as).")
        }
        return text
    }

    private static func failure(_ action: String, _ path: String) -> TetherError {
        TetherError(.storage, "cannot \(action) \(path): \(String(cString: strerror(errno))).")
    }
}
