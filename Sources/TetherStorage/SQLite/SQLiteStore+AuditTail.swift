import GRDB
import TetherCore

extension SQLiteStore {
    /// Up to `limit` records with a seq above `seq`, oldest first: how a
    /// spool reads what it has not delivered yet without scanning the log.
    public func records(after seq: Int64, limit: Int) throws(TetherError) -> [AuditRecord] {
        guard limit > 0 else { return [] }
        return try read("read the audit log after seq \(seq)") { db in
            var records: [AuditRecord] = []
            let rows = try Row.fetchCursor(
                db, sql: "SELECT seq, json, hash FROM audit_event WHERE seq > ? ORDER BY seq ASC LIMIT ?",
                arguments: [seq, limit])
            while let row = try rows.next() {
                records.append(try Self.record(from: row))
            }
            return records
        }
    }

    /// The highest seq in the log (0 when it is empty).
    public func lastSeq() throws(TetherError) -> Int64 {
        try read("read the audit log's last seq") { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit_event") ?? 0
        }
    }
}
