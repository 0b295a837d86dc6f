import TetherCore

/// Who is asking: a user, the roles they hold in this cluster (already
/// mapped, for users of a trusted root) and their traits.
public struct AccessSubject: Hashable, Sendable {
    public var user: String
    public var roles: [Role]
    /// Fills role templates: `logins` for `{{internal.logins}}`, and any
    /// other key for `{{internal.KEY}}` / `{{external.KEY}}`.
    public var traits: [String: [String]]
    /// For a user of a trusted root: that root's name (locks tell the two apart).
    public var originCluster: String?

    public init(user: String, roles: [Role], traits: [String: [String]] = [:], originCluster: String? = nil) {
        self.user = user
        self.roles = roles
        self.traits = traits
        self.originCluster = originCluster
    }
}

/// The node being reached, as RBAC sees it: its name and labels.
public struct NodeTarget: Hashable, Sendable {
    public var name: String
    public var labels: Labels

    public init(name: String, labels: Labels) {
        self.name = name
        self.labels = labels
    }
}
