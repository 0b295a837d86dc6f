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

/// Where a source's spool stopped lining up with what is stored from it.
public struct SpoolDiscontinuity: Sendable, Hashable {
    /// The epoch stored until now, when the upload starts a new one (the
    /// node's spool was created anew: whatever it had not delivered is gone).
    public var previousEpoch: String?
    /// The highest seq stored in `previousEpoch`.
    public var previousStoredThrough: Int64
    /// Spool seqs of the current epoch that were never received.
    public var missing: ClosedRange<Int64>?
}

/// What `appendSpooled` stored.
public struct SpoolAppend: Sendable, Hashable {
    /// Every seq of the upload's epoch up to this one is stored (or was missed, see `discontinuity`).
    public var storedThrough: Int64
    public var discontinuity: SpoolDiscontinuity?
}

extension SQLiteStore {
    /// Appends events forwarded from `source`'s spool exactly once: events at
    /// or below the highest spool seq already stored for `source` in the
    /// same `epoch` are skipped, and the new highest is recorded in the same
    /// transaction as the append, so a batch re-sent after a lost answer
    /// never duplicates anything. A new epoch (a spool created anew) counts
    /// from 0 again. A new epoch, or a first fresh seq that is not the next
    /// one, is a discontinuity: `describe` turns it into events chained just
    /// before the batch, in the same transaction. Spool seqs must increase
    /// within the batch.
    @discardableResult
    public func appendSpooled(
        _ events: [SpooledAuditEvent], from source: String, epoch: String,
        describe: (SpoolDiscontinuity) -> [AuditEvent] = { _ in [] }
    ) throws(TetherError) -> SpoolAppend {
        guard !source.isEmpty else {
            throw TetherError(.invalidArgument, "spooled audit events need a non-empty source (the sending node's host ID).")
        }
        guard !epoch.isEmpty else {
            throw TetherError(.invalidArgument, "spooled audit events from \(source) name no spool epoch; upgrade the node so that its uploads carry one.")
        }
        for (previous, next) in zip(events, events.dropFirst()) where next.spoolSeq <= previous.spoolSeq {
            throw TetherError(.invalidArgument, "spool seqs must increase within a batch, but \(next.spoolSeq) follows \(previous.spoolSeq); send events in spool order.")
        }
        for spooled in events { try spooled.event.validate() }
        return try write("append \(events.count) spooled audit events from \(source)") { db in
            let row = try Row.fetchOne(db, sql: "SELECT spool_seq, epoch FROM audit_spool_cursor WHERE source = ?", arguments: [source])
            let storedEpoch: String? = row?["epoch"]
            let storedSeq: Int64 = row?["spool_seq"] ?? 0
            // A cursor stored before epochs existed ("") carries on in the first epoch it sees.
            let sameEpoch = storedEpoch == epoch || storedEpoch == ""
            let stored = sameEpoch ? storedSeq : 0
            let fresh = events.filter { $0.spoolSeq > stored }
            guard let first = fresh.first, let last = fresh.last else { return SpoolAppend(storedThrough: stored) }
            var discontinuity = SpoolDiscontinuity(
                previousEpoch: sameEpoch ? nil : storedEpoch, previousStoredThrough: storedSeq,
                missing: first.spoolSeq > stored + 1 ? (stored + 1)...(first.spoolSeq - 1) : nil)
            // A source's first upload ever has nothing before it to differ from.
            if row == nil { discontinuity.previousEpoch = nil }
            let discontinuous = discontinuity.previousEpoch != nil || discontinuity.missing != nil
            let notices = discontinuous ? describe(discontinuity) : []
            for notice in notices { try notice.validate() }
            _ = try insertChained(notices + fresh.map(\.event), into: db)
            try db.execute(sql: """
                INSERT INTO audit_spool_cursor (source, spool_seq, epoch) VALUES (?, ?, ?)
                ON CONFLICT (source) DO UPDATE SET spool_seq = excluded.spool_seq, epoch = excluded.epoch
                """, arguments: [source, last.spoolSeq, epoch])
            return SpoolAppend(storedThrough: last.spoolSeq, discontinuity: discontinuous ? discontinuity : nil)
        }
    }
}
