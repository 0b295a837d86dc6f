import GRDB

/// The searchable copies of an event's fields kept next to its hashed JSON.
/// Append writes them and verify recomputes them, from this one definition.
struct AuditColumns {
    static let names = ["time_ms", "event_type", "user_name", "node_name", "session_id", "node_labels"]

    let values: [DatabaseValue]

    init(_ event: AuditEvent) {
        let labels = event.nodeLabels.map { labels in
            String(decoding: CanonicalJSON.encode(.object(labels.mapValues(JSONValue.string))), as: UTF8.self)
        }
        values = [
            event.timeMilliseconds.databaseValue, event.event.databaseValue, event.user.databaseValue,
            event.node.databaseValue, event.sessionID.databaseValue, labels.databaseValue,
        ]
    }

    /// The first column of `row` that differs from these values.
    func firstMismatch(in row: Row) -> String? {
        zip(Self.names, values).first { name, expected in row[name] as DatabaseValue != expected }?.0
    }
}
