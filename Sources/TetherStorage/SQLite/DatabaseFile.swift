import Foundation
import TetherCore

/// Creates the database file before SQLite does, so that it (and the WAL and
/// shared-memory files SQLite derives from it) is private to its owner.
enum DatabaseFile {
    static func create(path: String) throws(TetherError) {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw TetherError(.storage, "could not create the data directory \(directory) (\(TetherError.clause(error))); check the parent directory's permissions.")
            }
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw TetherError(.storage, "could not open the database file \(path) (\(reason)); check that its directory exists and is writable by this user.")
        }
        close(descriptor)
    }
}
