/// `GET /v1/access-policy` (host certificate): the roles and locks a node
/// needs to decide logins itself. Each entry is a resource in the storage
/// JSON encoding (`ResourceEncoder.storageJSON`), so the node decodes them
/// with the same policy model as the auth service. Nodes cache the last
/// snapshot on disk and keep deciding from it while auth is unreachable.
///
/// With `?after=GENERATION` (`AccessPolicyQuery`) the request is a watch:
/// the auth service answers as soon as the policy's generation differs
/// from that one, or with the unchanged policy after
/// `AccessPolicyQuery.longestHold` (the periodic full refresh).
public struct AccessPolicySnapshot: Codable, Sendable, Equatable {
    public var roles: [String]
    public var locks: [String]
    /// This cluster's users (name, roles, traits: no credentials), so a
    /// role taken away or a trait changed applies before the user's
    /// certificate expires; nil from an auth service that does not send them.
    public var users: [String]?
    /// RFC 3339 time the auth service produced it.
    public var generatedAt: String
    /// The policy generation the snapshot is at least as new as; nil from
    /// an auth service that does not count them.
    public var generation: Int64?

    public init(roles: [String], locks: [String], users: [String]? = nil, generatedAt: String, generation: Int64? = nil) {
        self.roles = roles
        self.locks = locks
        self.users = users
        self.generatedAt = generatedAt
        self.generation = generation
    }

    enum CodingKeys: String, CodingKey {
        case roles, locks, users, generation
        case generatedAt = "generated_at"
    }
}

/// The watch form of `GET /v1/access-policy`.
public enum AccessPolicyQuery {
    /// The generation the caller holds; the answer waits for another one.
    public static let after = "after"
    /// The longest an answer waits for a change: well inside the HTTP
    /// clients' read timeouts (node 15 s, proxy 30 s).
    public static let longestHold: Duration = .seconds(10)
}
