import Foundation
import TetherCore
import TetherStorage

/// The node's local audit log (`spool.sqlite`): every event is written here
/// first, so nothing is lost while the auth service is unreachable, and the
/// delivery cursor (what auth confirmed) lives in the same database.
public final class AuditSpool: Sendable {
    /// The spool itself, usable wherever an `AuditLog` is (session recorders).
    public let store: SQLiteStore

    private static let cursorKind = "node_spool_cursor"
    private static let cursorName = "auth"

    public init(path: String, clock: any WallClock = SystemWallClock()) throws(TetherError) {
        store = try SQLiteStore(path: path, clock: clock)
    }

    /// Appends an event; returns its spool seq.
    @discardableResult
    public func append(_ event: AuditEvent) throws(TetherError) -> Int64 {
        try store.append(event)
    }

    /// Events not yet confirmed by auth, oldest first.
    public func pending(limit: Int) throws(TetherError) -> [AuditRecord] {
        try store.records(after: try deliveredThrough(), limit: limit)
    }

    /// Every seq up to this one is stored by the auth service.
    public func deliveredThrough() throws(TetherError) -> Int64 {
        guard let stored = try store.get(kind: Self.cursorKind, name: Self.cursorName) else { return 0 }
        guard let cursor = try? JSONDecoder().decode(Cursor.self, from: stored.json) else {
            throw TetherError(.malformed, "the audit spool's delivery cursor in \(store.path) is unreadable; the spool file is damaged.")
        }
        return cursor.storedThrough
    }

    /// Records that auth confirmed everything up to `seq` (never moves back).
    public func markDelivered(through seq: Int64) throws(TetherError) {
        guard seq > (try deliveredThrough()) else { return }
        guard let json = try? JSONEncoder().encode(Cursor(storedThrough: seq)) else {
            throw TetherError(.internal, "cannot encode the audit spool cursor.")
        }
        try store.put(kind: Self.cursorKind, name: Self.cursorName, json: json, mode: .replace)
    }

    private struct Cursor: Codable {
        var storedThrough: Int64
        enum CodingKeys: String, CodingKey { case storedThrough = "stored_through" }
    }
}
