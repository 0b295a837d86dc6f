/// Blocks all access by a user or to a node until `metadata.expires` (or
/// until removed).
public struct LockSpec: ResourceSpec {
    public static let kind = ResourceKind.lock

    public enum Target: Hashable, Sendable {
        case user(String)
        case node(String)
    }

    public var target: Target
    public var message: String?
    /// For a user target: the trusted root cluster the user belongs to (the
    /// lock then applies to that root user's sessions here); nil for this
    /// cluster's own users. User names may contain `@`, so the cluster is a
    /// field of its own rather than a `user@cluster` spelling.
    public var origin: String?

    public init(target: Target, message: String? = nil, origin: String? = nil) {
        self.target = target
        self.message = message
        self.origin = origin
    }

    /// Whether the lock targets `user` of `origin` (nil: this cluster) or the node named `node`.
    public func matches(user: String, origin: String?, node: String) -> Bool {
        switch target {
        case .user(let name): name == user && self.origin == origin
        case .node(let name): name == node
        }
    }

    /// What is locked, as a sentence's subject: `user alice of cluster root`, `node db-1`.
    public var subject: String {
        switch target {
        case .user(let name): "user \(name)" + (origin.map { " of cluster \($0)" } ?? "")
        case .node(let name): "node \(name)"
        }
    }
}

/// Written as `{user: NAME}` or `{node: NAME}`; exactly one of the two.
extension LockSpec.Target: Codable {
    enum CodingKeys: String, CodingKey {
        case user, node
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let user = try container.decodeIfPresent(String.self, forKey: .user)
        let node = try container.decodeIfPresent(String.self, forKey: .node)
        switch (user, node) {
        case let (user?, nil): self = .user(user)
        case let (nil, node?): self = .node(node)
        default:
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "a lock targets exactly one of user or node; give one of them."
            ))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .user(let name): try container.encode(name, forKey: .user)
        case .node(let name): try container.encode(name, forKey: .node)
        }
    }
}
