import Foundation
import GRDB
import TetherCore

extension SQLiteStore {
    public func search(_ query: AuditQuery) throws(TetherError) -> [AuditRecord] {
        if let limit = query.limit, limit < 0 {
            throw TetherError(.invalidArgument, "audit search limit \(limit) is negative; give a limit of 0 or more.")
        }
        let (whereClause, arguments) = Self.filter(for: query)
        let direction = query.order == .oldestFirst ? "ASC" : "DESC"
        let limitClause = query.limit.map { " LIMIT \($0)" } ?? ""
        let sql = "SELECT seq, json, hash FROM audit_event\(whereClause) ORDER BY seq \(direction)\(limitClause)"
        return try read("search the audit log") { db in
            var records: [AuditRecord] = []
            let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let row = try rows.next() {
                records.append(try Self.record(from: row))
            }
            return records
        }
    }

    private static func filter(for query: AuditQuery) -> (String, StatementArguments) {
        var conditions: [String] = []
        var arguments = StatementArguments()
        func add(_ condition: String, _ values: [any DatabaseValueConvertible]) {
            conditions.append(condition)
            arguments += StatementArguments(values)
        }
        if let since = query.since { add("time_ms >= ?", [EventTime.milliseconds(since)]) }
        if let until = query.until { add("time_ms < ?", [EventTime.milliseconds(until)]) }
        if !query.types.isEmpty {
            add("event_type IN (\(query.types.map { _ in "?" }.joined(separator: ", ")))", query.types)
        }
        if let user = query.user { add("user_name = ?", [user]) }
        if let node = query.node { add("node_name = ?", [node]) }
        if let sessionID = query.sessionID { add("session_id = ?", [sessionID]) }
        for (key, value) in query.labels.sorted(by: { $0.key < $1.key }) {
            add("EXISTS (SELECT 1 FROM json_each(audit_event.node_labels) WHERE key = ? AND value = ?)", [key, value])
        }
        let clause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return (clause, arguments)
    }

    /// Reads a record from its hashed JSON (the searchable columns only
    /// select rows; they are never the source of truth).
    static func record(from row: Row) throws -> AuditRecord {
        let seq: Int64 = try row.decode(forColumn: "seq")
        let unreadable = { (detail: String) in
            TetherError(.malformed, "audit record \(seq) cannot be read (\(detail)); run `tetherctl audit verify`.")
        }
        guard let bytes = jsonBytes(row), let json = try? JSONParser.parse(bytes), case .object(let object) = json else {
            throw unreadable("its JSON is malformed")
        }
        guard let hashData = try? row.decode(Data.self, forColumn: "hash"), let hash = AuditHash(bytes: Array(hashData)) else {
            throw unreadable("its hash is not 32 bytes")
        }
        do throws(TetherError) {
            return AuditRecord(seq: seq, hash: hash, event: try AuditEvent(jsonObject: object))
        } catch {
            throw unreadable(error.message)
        }
    }

    /// The stored JSON bytes, whether the column holds text or (after a
    /// hand edit) a blob.
    static func jsonBytes(_ row: Row) -> [UInt8]? {
        switch (row["json"] as DatabaseValue).storage {
        case .string(let text): Array(text.utf8)
        case .blob(let data): Array(data)
        default: nil
        }
    }
}
