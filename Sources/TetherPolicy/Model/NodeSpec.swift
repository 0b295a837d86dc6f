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

    public init(hostname: String? = nil, addr: String? = nil, tunnel: Bool = false, cmdLabels: [String: CommandLabel] = [:]) {
        self.hostname = hostname
        self.addr = addr
        self.tunnel = tunnel
        self.cmdLabels = cmdLabels
    }

    enum CodingKeys: String, CodingKey {
        case hostname, addr, tunnel
        case cmdLabels = "cmd_labels"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            hostname: try container.decodeIfPresent(String.self, forKey: .hostname),
            addr: try container.decodeIfPresent(String.self, forKey: .addr),
            tunnel: try container.decode(.tunnel, or: false),
            cmdLabels: try container.decode(.cmdLabels, or: [:])
        )
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
