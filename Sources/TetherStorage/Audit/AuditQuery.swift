import Foundation
import TetherCore

/// What `AuditLog.search` returns: every given criterion must match.
public struct AuditQuery: Sendable, Hashable {
    public enum Order: Sendable, Hashable {
        /// Ascending `seq` (append order).
        case oldestFirst
        case newestFirst
    }

    /// Events at or after this instant.
    public var since: Date?
    /// Events strictly before this instant.
    public var until: Date?
    /// Event types to include (any of them); empty means all types.
    public var types: [String]
    public var user: String?
    public var node: String?
    public var sessionID: String?
    /// Every pair must be present in the event's `node_labels`.
    public var labels: Labels
    /// At most this many records (after ordering); nil for all.
    public var limit: Int?
    public var order: Order

    public init(
        since: Date? = nil, until: Date? = nil, types: [String] = [], user: String? = nil, node: String? = nil,
        sessionID: String? = nil, labels: Labels = [:], limit: Int? = nil, order: Order = .oldestFirst
    ) {
        self.since = since
        self.until = until
        self.types = types
        self.user = user
        self.node = node
        self.sessionID = sessionID
        self.labels = labels
        self.limit = limit
        self.order = order
    }
}
