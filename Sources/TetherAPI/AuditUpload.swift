/// `POST /v1/audit/events`: a batch from a node's on-disk spool. Spool
/// sequence numbers make delivery idempotent: the auth service remembers the
/// highest it stored per node and skips anything at or below it, so a retry
/// after a lost answer never duplicates an event, and order is kept.
public struct AuditUpload: Codable, Sendable, Equatable {
    public var hostID: String
    public var events: [SpooledEvent]

    public init(hostID: String, events: [SpooledEvent]) {
        self.hostID = hostID
        self.events = events
    }

    public struct SpooledEvent: Codable, Sendable, Equatable {
        public var spoolSeq: Int64
        /// The event as canonical JSON (the audit log's own encoding).
        public var json: String

        public init(spoolSeq: Int64, json: String) {
            self.spoolSeq = spoolSeq
            self.json = json
        }

        enum CodingKeys: String, CodingKey {
            case json
            case spoolSeq = "spool_seq"
        }
    }

    enum CodingKeys: String, CodingKey {
        case events
        case hostID = "host_id"
    }
}

public struct AuditUploadResponse: Codable, Sendable, Equatable {
    /// Every spool sequence number up to this one is stored.
    public var storedThrough: Int64

    public init(storedThrough: Int64) { self.storedThrough = storedThrough }

    enum CodingKeys: String, CodingKey { case storedThrough = "stored_through" }
}
