import Foundation
import GRDB
import TetherCore

extension SQLiteStore {
    @discardableResult
    public func append(_ events: [AuditEvent]) throws(TetherError) -> [Int64] {
        guard !events.isEmpty else { return [] }
        for event in events { try event.validate() }
        return try write("append \(events.count) audit events") { db in
            try insertChained(events, into: db)
        }
    }

    private static let insertSQL: String = {
        let columns = ["seq"] + AuditColumns.names + ["json", "hash"]
        return "INSERT INTO audit_event (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
    }()

    /// Chains and inserts already validated `events` inside the caller's
    /// write transaction, returning their seqs.
    func insertChained(_ events: [AuditEvent], into db: Database) throws -> [Int64] {
        // Read the head inside this (IMMEDIATE) write transaction: another
        // process cannot append between this read and our inserts.
        var (seq, previous) = try head(db)
        let insert = try db.cachedStatement(sql: Self.insertSQL)
        var seqs: [Int64] = []
        seqs.reserveCapacity(events.count)
        for event in events {
            guard seq < Int64.max else {
                throw TetherError(.storage, "the audit log's sequence number is exhausted (last seq \(seq)); run `tetherctl audit verify`.")
            }
            seq += 1
            let json = AuditRecord.canonicalJSON(of: event, seq: seq)
            let hash = AuditHash.link(previous: previous, recordJSON: json)
            var values: [DatabaseValue] = [seq.databaseValue]
            values += AuditColumns(event).values
            values += [String(decoding: json, as: UTF8.self).databaseValue, Data(hash.bytes).databaseValue]
            try insert.execute(arguments: StatementArguments(values))
            previous = hash
            seqs.append(seq)
        }
        return seqs
    }

    /// The last record's seq and hash (0 and the genesis hash when empty).
    private func head(_ db: Database) throws -> (Int64, AuditHash) {
        guard let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1") else {
            return (0, .genesis)
        }
        let seq: Int64 = try row.decode(forColumn: "seq")
        guard let bytes = try? row.decode(Data.self, forColumn: "hash"), let hash = AuditHash(bytes: Array(bytes)) else {
            throw TetherError(.verificationFailed, "the last audit record (seq \(seq)) has no valid hash, so nothing can be chained to it; run `tetherctl audit verify`.")
        }
        return (seq, hash)
    }
}
