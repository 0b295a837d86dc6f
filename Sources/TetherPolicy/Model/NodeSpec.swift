import Foundation
import TetherCore

/// A node's record; its static labels are `metadata.labels`.
public struct NodeSpec: ResourceSpec {
    public static let kind = ResourceKind.node

    public var hostname: String?
    /// `host:port` for direct nodes; tunnel nodes never listen.
    public var addr: String?
    /// Whether the node is reached through its reverse tunnel.
    public var tunnel: Bool
    public var cmdLabels: [String: CommandLabel]
    /// The identity the auth service assigned at join (a UUID string).
    public var hostID: String?
    /// Authorized-keys line of the node's SSH host key.
    public var sshHostKey: String?
    /// When the auth service last heard from the node.
    public var lastSeen: Date?
    /// How long after `lastSeen` the node still counts as online.
    public var heartbeatTTL: TimeSpan?

    public init(
        hostname: String? = nil, addr: String? = nil, tunnel: Bool = false, cmdLabels: [String: CommandLabel] = [:],
        hostID: String? = nil, sshHostKey: String? = nil, lastSeen: Date? = nil, heartbeatTTL: TimeSpan? = nil
    ) {
        self.hostname = hostname
        self.addr = addr
        self.tunnel = tunnel
        self.cmdLabels = cmdLabels
        self.hostID = hostID
        self.sshHostKey = sshHostKey
        self.lastSeen = lastSeen?.truncatedToSeconds
        self.heartbeatTTL = heartbeatTTL
    }

    enum CodingKeys: String, CodingKey {
        case hostname, addr, tunnel
        case cmdLabels = "cmd_labels"
        case hostID = "host_id"
        case sshHostKey = "ssh_host_key"
        case lastSeen = "last_seen"
        case heartbeatTTL = "heartbeat_ttl"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            hostname: try container.decodeIfPresent(String.self, forKey: .hostname),
            addr: try container.decodeIfPresent(String.self, forKey: .addr),
            tunnel: try container.decode(.tunnel, or: false),
            cmdLabels: try container.decode(.cmdLabels, or: [:]),
            hostID: try container.decodeIfPresent(String.self, forKey: .hostID),
            sshHostKey: try container.decodeIfPresent(String.self, forKey: .sshHostKey),
            lastSeen: try container.decodeTimestampIfPresent(forKey: .lastSeen),
            heartbeatTTL: try container.decodeIfPresent(TimeSpan.self, forKey: .heartbeatTTL)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(hostname, forKey: .hostname)
        try container.encodeIfPresent(addr, forKey: .addr)
        try container.encode(tunnel, forKey: .tunnel)
        try container.encode(cmdLabels, forKey: .cmdLabels)
        try container.encodeIfPresent(hostID, forKey: .hostID)
        try container.encodeIfPresent(sshHostKey, forKey: .sshHostKey)
        try container.encodeTimestampIfPresent(lastSeen, forKey: .lastSeen)
        try container.encodeIfPresent(heartbeatTTL, forKey: .heartbeatTTL)
    }
}

/// A label whose value is the output of a command run every `period`.
public struct CommandLabel: Codable, Hashable, Sendable {
    public var command: [String]
    public var period: TimeSpan
    /// The latest output, trimmed, once the node has run the command.
    public var result: String?

    public init(command: [String], period: TimeSpan, result: String? = nil) {
        self.command = command
        self.period = period
        self.result = result
    }
}

extension ResourceEnvelope where Spec == NodeSpec {
    /// The node as RBAC sees it: command labels that have a result, plus the
    /// static labels, which win when both use a key.
    public var target: NodeTarget {
        let commandLabels = spec.cmdLabels.compactMapValues(\.result)
        return NodeTarget(name: name, labels: metadata.labels.merging(commandLabels) { fixed, _ in fixed })
    }
}
