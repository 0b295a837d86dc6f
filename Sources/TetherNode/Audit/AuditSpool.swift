import Foundation
import TetherCore
import TetherStorage

/// The node's local audit log (`spool.sqlite`): every event is written here
/// first, so nothing is lost while the auth service is unreachable, and the
/// delivery cursor (what auth confirmed) lives in the same database.
public final class AuditSpool: Sendable {
    /// The spool itself (write through `NodeAuditor`, which counts failures).
    public let store: SQLiteStore
    /// A random id made with this spool file: its seqs count within it, so
    /// auth tells a spool created anew from one that skipped events.
    public let epoch: String

    private static let cursorKind = "node_spool_cursor"
    private static let cursorName = "auth"
    private static let epochKind = "node_spool_epoch"

    public init(path: String, clock: any WallClock = SystemWallClock()) throws(TetherError) {
        store = try SQLiteStore(path: path, clock: clock)
        epoch = try Self.epoch(of: store)
    }

    private static func epoch(of store: SQLiteStore) throws(TetherError) -> String {
        if let stored = try store.get(kind: epochKind, name: epochKind) {
            let epoch: String
            do {
                epoch = try JSONDecoder().decode(String.self, from: stored.json)
            } catch {
                throw TetherError(.malformed, "the audit spool's epoch in \(store.path) is unreadable (\(TetherError.clause(error))); the spool file is damaged: move it away and restart the node.")
            }
            guard !epoch.isEmpty else {
                throw TetherError(.malformed, "the audit spool's epoch in \(store.path) is empty; the spool file is damaged: move it away and restart the node.")
            }
            return epoch
        }
        let fresh = UUID().uuidString.lowercased()
        try store.put(kind: epochKind, name: epochKind, json: Data("\"\(fresh)\"".utf8), mode: .createOnly)
        return fresh
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
        do {
            return try JSONDecoder().decode(Cursor.self, from: stored.json).storedThrough
        } catch {
            throw TetherError(.malformed, "the audit spool's delivery cursor in \(store.path) is unreadable (\(TetherError.clause(error))); the spool file is damaged.")
        }
    }

    /// Records that auth confirmed everything up to `seq` (never moves back).
    public func markDelivered(through seq: Int64) throws(TetherError) {
        guard seq > (try deliveredThrough()) else { return }
        let json: Data
        do {
            json = try JSONEncoder().encode(Cursor(storedThrough: seq))
        } catch {
            throw TetherError(.internal, "cannot encode the audit spool cursor (\(TetherError.clause(error))).")
        }
        try store.put(kind: Self.cursorKind, name: Self.cursorName, json: json, mode: .replace)
    }

    private struct Cursor: Codable {
        var storedThrough: Int64
        enum CodingKeys: String, CodingKey { case storedThrough = "stored_through" }
    }
}
