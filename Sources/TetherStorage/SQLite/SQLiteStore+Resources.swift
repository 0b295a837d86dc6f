import Foundation
import GRDB
import TetherCore

extension SQLiteStore {
    /// A row is live when it has no expiry or expires after now.
    private static let live = "(expires_ms IS NULL OR expires_ms > :now)"

    public func put(kind: String, name: String, json: Data, expires: Date?, mode: PutMode) throws(TetherError) {
        try Self.validate(kind: kind, name: name)
        guard let text = String(data: json, encoding: .utf8) else {
            throw TetherError(.invalidArgument, "\(kind) \"\(name)\" is not valid UTF-8 JSON; store it as JSON text.")
        }
        // create-only may still take over an expired row of the same name.
        let overwriteCondition = switch mode {
        case .replace: "1"
        case .createOnly: "resource.expires_ms IS NOT NULL AND resource.expires_ms <= :now"
        }
        let arguments: StatementArguments = [
            "kind": kind, "name": name, "json": text,
            "expires": expires.map(EventTime.milliseconds), "now": EventTime.milliseconds(clock.now()),
        ]
        try write("store \(kind) \"\(name)\"") { db in
            do {
                try db.execute(sql: """
                    INSERT INTO resource (kind, name, json, expires_ms) VALUES (:kind, :name, :json, :expires)
                    ON CONFLICT (kind, name) DO UPDATE SET json = excluded.json, expires_ms = excluded.expires_ms
                    WHERE \(overwriteCondition)
                    """, arguments: arguments)
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_CHECK {
                throw TetherError(.invalidArgument, "\(kind) \"\(name)\" is not valid JSON; fix its syntax.")
            }
            if db.changesCount == 0 {
                throw TetherError(.alreadyExists, "\(kind) \"\(name)\" already exists; replace it instead, or choose another name.")
            }
        }
    }

    public func get(kind: String, name: String) throws(TetherError) -> StoredResource? {
        let arguments: StatementArguments = ["kind": kind, "name": name, "now": EventTime.milliseconds(clock.now())]
        return try read("read \(kind) \"\(name)\"") { db in
            try Row.fetchOne(db, sql: """
                SELECT kind, name, json, expires_ms FROM resource
                WHERE kind = :kind AND name = :name AND \(Self.live)
                """, arguments: arguments).map(Self.resource)
        }
    }

    public func list(kind: String) throws(TetherError) -> [StoredResource] {
        let arguments: StatementArguments = ["kind": kind, "now": EventTime.milliseconds(clock.now())]
        return try read("list \(kind) resources") { db in
            try Row.fetchAll(db, sql: """
                SELECT kind, name, json, expires_ms FROM resource
                WHERE kind = :kind AND \(Self.live) ORDER BY name
                """, arguments: arguments).map(Self.resource)
        }
    }

    public func node(hostID: String) throws(TetherError) -> StoredResource? {
        let arguments: StatementArguments = ["hostID": hostID, "now": EventTime.milliseconds(clock.now())]
        return try read("find the node of host \(hostID)") { db in
            // The expression is the one `resource_node_host_id` indexes.
            try Row.fetchOne(db, sql: """
                SELECT kind, name, json, expires_ms FROM resource
                WHERE kind = 'node' AND json_extract(json, '$.spec.host_id') = :hostID AND \(Self.live)
                """, arguments: arguments).map(Self.resource)
        }
    }

    public func delete(kind: String, name: String) throws(TetherError) {
        let arguments: StatementArguments = ["kind": kind, "name": name, "now": EventTime.milliseconds(clock.now())]
        try write("delete \(kind) \"\(name)\"") { db in
            try db.execute(sql: "DELETE FROM resource WHERE kind = :kind AND name = :name AND \(Self.live)", arguments: arguments)
            if db.changesCount == 0 {
                throw TetherError(.notFound, "there is no \(kind) named \"\(name)\"; list them to check the name.")
            }
        }
    }

    private static func validate(kind: String, name: String) throws(TetherError) {
        guard !kind.isEmpty, !name.isEmpty else {
            throw TetherError(.invalidArgument, "a resource needs a non-empty kind and name (got kind \"\(kind)\", name \"\(name)\").")
        }
    }

    private static func resource(_ row: Row) throws -> StoredResource {
        let expires: Int64? = try row.decode(forColumn: "expires_ms")
        return StoredResource(
            kind: try row.decode(forColumn: "kind"),
            name: try row.decode(forColumn: "name"),
            json: Data(try row.decode(String.self, forColumn: "json").utf8),
            expires: expires.map { EventTime.date(milliseconds: $0) })
    }
}
