/// `POST /v1/audit/events`: a batch from a node's on-disk spool. Spool
/// sequence numbers make delivery idempotent: the auth service remembers the
/// highest it stored per node and skips anything at or below it, so a retry
/// after a lost answer never duplicates an event, and order is kept.
public struct AuditUpload: Codable, Sendable, Equatable {
    public var hostID: String
    /// A random id made with the node's spool: seqs count within it, so a
    /// spool created anew (seq 1 again) is told apart from a replay.
    public var spoolEpoch: String
    public var events: [SpooledEvent]

    public init(hostID: String, spoolEpoch: String, events: [SpooledEvent]) {
        self.hostID = hostID
        self.spoolEpoch = spoolEpoch
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
        case spoolEpoch = "spool_epoch"
    }
}

/// The event types a node writes to its spool, besides its recordings'
/// `session.data`: an upload holding any other type is refused, so a node
/// cannot pass off, say, a `user.login` or `lock.create` as the cluster's.
public enum NodeEventType {
    public static let authFailed = "auth.failed"
    public static let sessionStart = "session.start"
    public static let sessionEnd = "session.end"
    public static let exec = "exec"
    public static let portForward = "port_forward"
    /// A file operation in an sftp subsystem session.
    public static let sftp = "sftp"
    /// A legacy-protocol scp transfer (an exec of `scp -t`/`scp -f`).
    public static let scp = "scp"
    /// Events the node could not write to its spool (disk full...), counted
    /// once it can write again.
    public static let auditLost = "audit.lost"

    public static let all: Set<String> = [authFailed, sessionStart, sessionEnd, exec, portForward, sftp, scp, auditLost]
}

public struct AuditUploadResponse: Codable, Sendable, Equatable {
    /// Every spool sequence number up to this one is stored.
    public var storedThrough: Int64

    public init(storedThrough: Int64) { self.storedThrough = storedThrough }

    enum CodingKeys: String, CodingKey { case storedThrough = "stored_through" }
}
