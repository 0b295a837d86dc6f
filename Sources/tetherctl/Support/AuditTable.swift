import TetherCLIKit
import TetherStorage

/// `tetherctl audit search` as text. Most events say what they are about in
/// their own fields (a tunnel's leaf cluster, a lock's name, a token's type),
/// so those fields are shown too: no event is a row of dashes.
enum AuditTable {
    static func render(_ records: [AuditRecord]) -> TextTable {
        TextTable(headers: ["SEQ", "TIME", "EVENT", "USER", "NODE", "LOGIN", "SESSION", "REMOTE", "DETAILS"], rows: records.map { record in
            let event = record.event
            return [String(record.seq), EventTime.format(milliseconds: event.timeMilliseconds), event.event,
                    event.user ?? "-", event.node ?? "-", event.login ?? "-", event.sessionID ?? "-", event.remoteAddr ?? "-",
                    details(event.fields)]
        })
    }

    /// Values longer than this are cut (a recording chunk's data, a certificate).
    static let longestValue = 64

    /// `key=value` for each event-specific field, sorted by key.
    static func details(_ fields: [String: JSONValue]) -> String {
        guard !fields.isEmpty else { return "-" }
        return fields.sorted { $0.key < $1.key }.map { key, value in
            let text = value.stringValue ?? String(decoding: CanonicalJSON.encode(value), as: UTF8.self)
            return "\(key)=\(text.count > longestValue ? text.prefix(longestValue - 1) + "…" : text)"
        }.joined(separator: " ")
    }
}
