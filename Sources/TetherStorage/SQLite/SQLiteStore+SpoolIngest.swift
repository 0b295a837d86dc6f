import GRDB
import TetherCore

/// An event from another log (a node's spool), with its position there.
public struct SpooledAuditEvent: Sendable, Hashable {
    public var spoolSeq: Int64
    public var event: AuditEvent

    public init(spoolSeq: Int64, event: AuditEvent) {
        self.spoolSeq = spoolSeq
        self.event = event
    }
}

extension SQLiteStore {
    /// Appends events forwarded from `source`'s spool exactly once: events at
    /// or below the highest spool seq already stored for `source` are skipped,
    /// and the new highest is recorded in the same transaction as the append,
    /// so a batch re-sent after a lost answer never duplicates anything.
    /// Spool seqs must increase within the batch. Returns the highest spool
    /// seq now stored for `source`.
    @discardableResult
    public func appendSpooled(_ events: [SpooledAuditEvent], from source: String) throws(TetherError) -> Int64 {
        guard !source.isEmpty else {
            throw TetherError(.invalidArgument, "spooled audit events need a non-empty source (the sending node's host ID).")
        }
        for (previous, next) in zip(events, events.dropFirst()) where next.spoolSeq <= previous.spoolSeq {
            throw TetherError(.invalidArgument, "spool seqs must increase within a batch, but \(next.spoolSeq) follows \(previous.spoolSeq); send events in spool order.")
        }
        for spooled in events { try spooled.event.validate() }
        return try write("append \(events.count) spooled audit events from \(source)") { db in
            let stored = try Int64.fetchOne(db, sql: "SELECT spool_seq FROM audit_spool_cursor WHERE source = ?", arguments: [source]) ?? 0
            let fresh = events.filter { $0.spoolSeq > stored }
            guard let last = fresh.last else { return stored }
            _ = try insertChained(fresh.map(\.event), into: db)
            try db.execute(sql: """
                INSERT INTO audit_spool_cursor (source, spool_seq) VALUES (?, ?)
                ON CONFLICT (source) DO UPDATE SET spool_seq = excluded.spool_seq
                """, arguments: [source, last.spoolSeq])
            return last.spoolSeq
        }
    }
}
