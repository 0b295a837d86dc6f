/// A stored audit event: its position in the log and its chain hash.
public struct AuditRecord: Sendable, Hashable {
    /// 1, 2, 3... with no gaps, in append order.
    public let seq: Int64
    public let hash: AuditHash
    public let event: AuditEvent

    public init(seq: Int64, hash: AuditHash, event: AuditEvent) {
        self.seq = seq
        self.hash = hash
        self.event = event
    }

    /// The JSON key carrying the sequence number inside the hashed text.
    static let seqKey = "seq"

    /// The exact bytes that are stored and hashed: the event's canonical
    /// JSON with `seq` added.
    static func canonicalJSON(of event: AuditEvent, seq: Int64) -> [UInt8] {
        var object = event.jsonObject
        object[seqKey] = .number(seq)
        return CanonicalJSON.encode(.object(object))
    }

    /// The record as one JSON object (the event's fields plus `seq` and
    /// `hash`), for listings such as `tetherctl audit search --format json`.
    public var jsonValue: JSONValue {
        var object = event.jsonObject
        object[Self.seqKey] = .number(seq)
        object["hash"] = .string(hash.hex)
        return .object(object)
    }
}
