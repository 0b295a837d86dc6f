/// `GET /v1/access-policy` (host certificate): the roles and locks a node
/// needs to decide logins itself. Each entry is a resource in the storage
/// JSON encoding (`ResourceEncoder.storageJSON`), so the node decodes them
/// with the same policy model as the auth service. Nodes cache the last
/// snapshot on disk and keep deciding from it while auth is unreachable.
public struct AccessPolicySnapshot: Codable, Sendable, Equatable {
    public var roles: [String]
    public var locks: [String]
    /// RFC 3339 time the auth service produced it.
    public var generatedAt: String

    public init(roles: [String], locks: [String], generatedAt: String) {
        self.roles = roles
        self.locks = locks
        self.generatedAt = generatedAt
    }

    enum CodingKeys: String, CodingKey {
        case roles, locks
        case generatedAt = "generated_at"
    }
}
