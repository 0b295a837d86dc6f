import Foundation
import TetherCore

/// One audit log entry, as described in the product contract's "Audit"
/// section. Serialized with snake_case keys (`session_id`, `node_labels`...);
/// anything beyond the common fields goes in `fields`.
public struct AuditEvent: Sendable, Hashable {
    /// The event type, e.g. `session.start`, `user.login.failed`.
    public var event: String
    /// Whole milliseconds since the Unix epoch: the precision that is stored
    /// and hashed.
    public var timeMilliseconds: Int64
    public var cluster: String
    /// A unique id for this event (a UUID string).
    public var uid: String
    public var user: String?
    public var login: String?
    public var node: String?
    /// The node's labels as they were at the time of access.
    public var nodeLabels: Labels?
    public var sessionID: String?
    public var remoteAddr: String?
    public var roles: [String]?
    /// For users of a trusted (root) cluster: where they logged in, and their roles there.
    public var originCluster: String?
    public var originRoles: [String]?
    /// Event-specific fields. Keys must not clash with the common fields above
    /// or with `seq`; `append` rejects such events.
    public var fields: [String: JSONValue]

    public init(
        event: String, time: Date, cluster: String, uid: String = UUID().uuidString,
        user: String? = nil, login: String? = nil, node: String? = nil, nodeLabels: Labels? = nil,
        sessionID: String? = nil, remoteAddr: String? = nil, roles: [String]? = nil,
        originCluster: String? = nil, originRoles: [String]? = nil, fields: [String: JSONValue] = [:]
    ) {
        self.event = event
        self.timeMilliseconds = EventTime.milliseconds(time)
        self.cluster = cluster
        self.uid = uid
        self.user = user
        self.login = login
        self.node = node
        self.nodeLabels = nodeLabels
        self.sessionID = sessionID
        self.remoteAddr = remoteAddr
        self.roles = roles
        self.originCluster = originCluster
        self.originRoles = originRoles
        self.fields = fields
    }

    /// The event time (rounded to the millisecond when set).
    public var time: Date {
        get { EventTime.date(milliseconds: timeMilliseconds) }
        set { timeMilliseconds = EventTime.milliseconds(newValue) }
    }
}
