/// A request to open a session: `user` wants to log in as `login` on `node`.
public struct NodeAccessRequest: Hashable, Sendable {
    public var user: String
    public var login: String
    public var node: NodeTarget
    /// The user's cluster when it is a trusted root's (nil: this cluster's own user).
    public var originCluster: String?

    public init(user: String, login: String, node: NodeTarget, originCluster: String? = nil) {
        self.user = user
        self.login = login
        self.node = node
        self.originCluster = originCluster
    }
}

/// What one policy says about a request.
public enum PolicyDecision: Hashable, Sendable {
    /// Grants the request; `grantedBy` names the role or policy.
    case allow(grantedBy: String)
    /// Refuses the request, whatever any other policy says.
    case deny(reason: String)
    /// Has nothing to say about this request.
    case abstain
}

/// One small rule about node access. Policies compose with `DenyWins`, so
/// new concerns (locks, time windows...) are added without touching the
/// role logic.
public protocol NodeAccessPolicy: Sendable {
    func evaluate(_ request: NodeAccessRequest) -> PolicyDecision
}

/// Combines policies so that any deny wins over every allow; otherwise the
/// first allow is the answer, and with none it abstains.
public struct DenyWins: NodeAccessPolicy {
    public let policies: [any NodeAccessPolicy]

    public init(_ policies: [any NodeAccessPolicy]) {
        self.policies = policies
    }

    public func evaluate(_ request: NodeAccessRequest) -> PolicyDecision {
        var firstAllow: PolicyDecision?
        for policy in policies {
            switch policy.evaluate(request) {
            case .deny(let reason): return .deny(reason: reason)
            case .allow(let grantedBy): firstAllow = firstAllow ?? .allow(grantedBy: grantedBy)
            case .abstain: continue
            }
        }
        return firstAllow ?? .abstain
    }
}
