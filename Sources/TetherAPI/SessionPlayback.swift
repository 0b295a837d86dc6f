/// `GET /v1/sessions/{id}` (user certificate): a recorded session, in order,
/// for `tether play`. Allowed to the session's own user, or to roles whose
/// rules allow resource `session`, verb `read`.
public struct SessionPlayback: Codable, Sendable, Equatable {
    public var sessionID: String
    public var frames: [Frame]
    /// Set when the recording stops before the session's end (its node
    /// crashed or was removed, or the session still runs): one sentence saying so.
    public var incomplete: String?

    public init(sessionID: String, frames: [Frame], incomplete: String? = nil) {
        self.sessionID = sessionID
        self.frames = frames
        self.incomplete = incomplete
    }

    public struct Frame: Codable, Sendable, Equatable {
        /// start | output | input | resize | end
        public var kind: String
        /// Milliseconds since the session started.
        public var offsetMilliseconds: Int64
        /// Base64 of the bytes, for output and input.
        public var data: String?
        public var columns: Int?
        public var rows: Int?
        public var exitStatus: Int?

        public init(kind: String, offsetMilliseconds: Int64, data: String? = nil, columns: Int? = nil, rows: Int? = nil, exitStatus: Int? = nil) {
            self.kind = kind
            self.offsetMilliseconds = offsetMilliseconds
            self.data = data
            self.columns = columns
            self.rows = rows
            self.exitStatus = exitStatus
        }

        enum CodingKeys: String, CodingKey {
            case kind, data, columns, rows
            case offsetMilliseconds = "offset_ms"
            case exitStatus = "exit_status"
        }
    }

    enum CodingKeys: String, CodingKey {
        case frames, incomplete
        case sessionID = "session_id"
    }
}
