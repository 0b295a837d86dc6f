import GRDB
import TetherCore

/// Turns whatever SQLite or GRDB throws into a `.storage` `TetherError`
/// naming the database file and, where the cause is recognisable, the fix.
/// A `TetherError` thrown by the body passes through unchanged.
struct StorageFailure {
    let path: String

    func map<T>(_ action: String, _ body: () throws -> T) throws(TetherError) -> T {
        do {
            return try body()
        } catch let error as TetherError {
            throw error
        } catch let error as DatabaseError {
            let detail = error.message ?? "SQLite error \(error.resultCode.rawValue)"
            throw TetherError(.storage, "could not \(action) in \(path): \(detail)\(Self.hint(for: error.resultCode))")
        } catch {
            throw TetherError(.storage, "could not \(action) in \(path): \(error).")
        }
    }

    private static func hint(for code: ResultCode) -> String {
        switch code {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            "; another process held the database too long, retry or stop the stuck process."
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN, .SQLITE_AUTH:
            "; check that the file and its directory are writable by this user."
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            "; the file is damaged or not a Tether database, restore it from a backup."
        case .SQLITE_FULL, .SQLITE_IOERR:
            "; check the disk (space, errors)."
        default:
            "."
        }
    }
}
