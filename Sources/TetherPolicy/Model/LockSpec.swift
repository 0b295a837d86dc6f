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

    public init(target: Target, message: String? = nil) {
        self.target = target
        self.message = message
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
