import Foundation
import GRDB
import TetherCore

/// The SQLite backend: one file (e.g. `data_dir/tether.sqlite`) holding the
/// resources and the audit log. Several processes (the auth service,
/// `tetherctl`) may open the same file at once: WAL mode lets readers run
/// beside the single writer, and writers wait for each other up to a busy
/// timeout instead of failing.
public final class SQLiteStore: TetherStore {
    /// The file name used inside a data directory.
    public static let defaultFileName = "tether.sqlite"

    /// How long a write waits for another process's write to finish.
    static let busyTimeoutSeconds: TimeInterval = 10

    public let path: String
    let pool: DatabasePool
    let clock: any WallClock

    /// Opens (creating if needed, mode 0600 in a 0700 directory) and migrates
    /// the database at `path`. `clock` decides which resources have expired.
    public init(path: String, clock: any WallClock = SystemWallClock()) throws(TetherError) {
        self.path = path
        self.clock = clock
        try DatabaseFile.create(path: path)
        var configuration = Configuration()
        configuration.label = "tether"
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(Self.busyTimeoutSeconds)
        configuration.prepareDatabase { db in
            // FULL: a commit is on disk before it returns, so an audit
            // event (or a spool cursor) acknowledged to its writer survives
            // a power loss; NORMAL could lose the last transactions.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let storageFailure = StorageFailure(path: path)
        pool = try storageFailure.map("open the database") {
            try DatabasePool(path: path, configuration: configuration)
        }
        try storageFailure.map("migrate the database schema") {
            try SQLiteSchema.migrate(pool)
        }
    }

    /// Opens `directory/tether.sqlite`.
    public convenience init(dataDirectory directory: String, clock: any WallClock = SystemWallClock()) throws(TetherError) {
        try self.init(path: (directory as NSString).appendingPathComponent(Self.defaultFileName), clock: clock)
    }

    /// Runs `body` in a write transaction, mapping SQLite errors to `.storage`.
    func write<T>(_ action: String, _ body: (Database) throws -> T) throws(TetherError) -> T {
        try StorageFailure(path: path).map(action) { try pool.write(body) }
    }

    /// SQLite's `synchronous` setting on this store's connections (2 = FULL).
    public func synchronousMode() throws(TetherError) -> Int {
        try read("read the synchronous setting") { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// Runs `body` in a read transaction (a consistent snapshot).
    func read<T>(_ action: String, _ body: (Database) throws -> T) throws(TetherError) -> T {
        try StorageFailure(path: path).map(action) { try pool.read(body) }
    }
}
