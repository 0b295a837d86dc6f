import GRDB
import TetherCore

extension SQLiteStore {
    /// Streams the log in seq order within one read snapshot, holding one row
    /// at a time, so memory stays constant however long the log is.
    public func verify() throws(TetherError) -> AuditVerification {
        let sql = "SELECT seq, \(AuditColumns.names.joined(separator: ", ")), json, hash FROM audit_event ORDER BY seq"
        return try read("verify the audit log") { db in
            let rows = try Row.fetchCursor(db, sql: sql)
            var expected: Int64 = 1
            var previous = AuditHash.genesis
            while let row = try rows.next() {
                let seq: Int64 = try row.decode(forColumn: "seq")
                guard seq == expected else { return .broken(seq: expected, reason: .missing) }
                switch Self.check(row, seq: seq, previous: previous) {
                case .linked(let hash): previous = hash
                case .broken(let reason): return .broken(seq: seq, reason: reason)
                }
                expected = seq &+ 1
            }
            return .intact(count: expected - 1, head: previous)
        }
    }

    private enum RowCheck {
        case linked(AuditHash)
        case broken(AuditChainBreak)
    }

    private static func check(_ row: Row, seq: Int64, previous: AuditHash) -> RowCheck {
        guard let json = jsonBytes(row) else { return .broken(.unparsable("the json column is empty or not text")) }
        guard case .blob(let stored) = (row["hash"] as DatabaseValue).storage, let storedHash = AuditHash(bytes: Array(stored)) else {
            return .broken(.unparsable("the hash column is not a 32-byte blob"))
        }
        guard AuditHash.link(previous: previous, recordJSON: json) == storedHash else { return .broken(.hashMismatch) }
        // The hash holds, so the JSON is what was appended; now make sure the
        // searchable copies were not edited to hide or misattribute it.
        let object: [String: JSONValue]
        let event: AuditEvent
        do throws(TetherError) {
            guard case .object(let parsed) = try JSONParser.parse(json) else { return .broken(.unparsable("the JSON is not an object")) }
            object = parsed
            event = try AuditEvent(jsonObject: parsed)
        } catch {
            return .broken(.unparsable(error.message))
        }
        guard object[AuditRecord.seqKey] == .number(seq) else { return .broken(.columnMismatch(column: "seq")) }
        if let column = AuditColumns(event).firstMismatch(in: row) { return .broken(.columnMismatch(column: column)) }
        return .linked(storedHash)
    }
}
