import TetherCore

/// A role: what its holders may do (`allow`), what they may never do
/// (`deny`, which beats any allow) and session options.
public struct RoleSpec: ResourceSpec {
    public static let kind = ResourceKind.role

    public var allow: RoleConditions
    public var deny: RoleConditions
    public var options: RoleOptions

    public init(allow: RoleConditions = RoleConditions(), deny: RoleConditions = RoleConditions(), options: RoleOptions = RoleOptions()) {
        self.allow = allow
        self.deny = deny
        self.options = options
    }

    enum CodingKeys: String, CodingKey {
        case allow, deny, options
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            allow: try container.decode(.allow, or: RoleConditions()),
            deny: try container.decode(.deny, or: RoleConditions()),
            options: try container.decode(.options, or: RoleOptions())
        )
    }
}

/// One side (allow or deny) of a role.
public struct RoleConditions: Codable, Hashable, Sendable {
    /// OS logins, possibly with trait templates such as `{{internal.logins}}`
    /// or `ops-{{external.team}}`.
    public var logins: [String]
    /// Which nodes this side applies to; an empty selector matches no node.
    public var nodeLabels: LabelSelector
    /// Which API operations this side applies to.
    public var rules: [RoleRule]

    public init(logins: [String] = [], nodeLabels: LabelSelector = [:], rules: [RoleRule] = []) {
        self.logins = logins
        self.nodeLabels = nodeLabels
        self.rules = rules
    }

    enum CodingKeys: String, CodingKey {
        case logins
        case nodeLabels = "node_labels"
        case rules
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            logins: try container.decode(.logins, or: []),
            nodeLabels: try container.decode(.nodeLabels, or: [:]),
            rules: try container.decode(.rules, or: [])
        )
    }
}

/// Grants (or denies) `verbs` on `resources`; `*` stands for any.
public struct RoleRule: Codable, Hashable, Sendable {
    public var resources: [String]
    public var verbs: [String]

    public init(resources: [String], verbs: [String]) {
        self.resources = resources
        self.verbs = verbs
    }
}

public struct RoleOptions: Codable, Hashable, Sendable {
    public static let defaultMaxSessionTTL = TimeSpan.hours(8)

    /// The longest certificate a holder of this role may get.
    public var maxSessionTTL: TimeSpan
    /// `nil` when the role does not say. Deny wins across roles: forwarding
    /// is allowed only if some role says `true` and none says `false`.
    public var portForwarding: Bool?

    public init(maxSessionTTL: TimeSpan = RoleOptions.defaultMaxSessionTTL, portForwarding: Bool? = nil) {
        self.maxSessionTTL = maxSessionTTL
        self.portForwarding = portForwarding
    }

    enum CodingKeys: String, CodingKey {
        case maxSessionTTL = "max_session_ttl"
        case portForwarding = "port_forwarding"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            maxSessionTTL: try container.decode(.maxSessionTTL, or: Self.defaultMaxSessionTTL),
            portForwarding: try container.decodeIfPresent(Bool.self, forKey: .portForwarding)
        )
    }
}
