/// Made on a LEAF cluster: names the root cluster (`metadata.name`), how to
/// reach its proxy, and how the root's roles map to local roles.
public struct TrustedClusterSpec: ResourceSpec {
    public static let kind = ResourceKind.trustedCluster

    public var enabled: Bool
    /// A `trusted_cluster` join token made on the root: needed to establish
    /// the trust, spent by it, and not kept (a rewrite with `-f` needs none).
    public var token: String?
    /// The root proxy as `host:port`.
    public var proxyAddr: String
    /// Optional pin of the root's CA, `sha256:<64 hex digits>`.
    public var caPin: String?
    public var roleMap: [RoleMapEntry]

    public init(enabled: Bool = true, token: String?, proxyAddr: String, caPin: String? = nil, roleMap: [RoleMapEntry] = []) {
        self.enabled = enabled
        self.token = token
        self.proxyAddr = proxyAddr
        self.caPin = caPin
        self.roleMap = roleMap
    }

    enum CodingKeys: String, CodingKey {
        case enabled, token
        case proxyAddr = "proxy_addr"
        case caPin = "ca_pin"
        case roleMap = "role_map"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            enabled: try container.decode(.enabled, or: true),
            token: try container.decodeIfPresent(String.self, forKey: .token),
            proxyAddr: try container.decode(String.self, forKey: .proxyAddr),
            caPin: try container.decodeIfPresent(String.self, forKey: .caPin),
            roleMap: try container.decode(.roleMap, or: [])
        )
    }
}

/// Maps remote roles matching `remote` (exact name, glob with `*`, or
/// `^regex$`, always against the whole name) to `local` roles, which may use
/// `$1`, `$2`... for the captured parts.
public struct RoleMapEntry: Codable, Hashable, Sendable {
    public var remote: String
    public var local: [String]

    public init(remote: String, local: [String]) {
        self.remote = remote
        self.local = local
    }

    enum CodingKeys: String, CodingKey {
        case remote, local
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        remote = try container.decode(String.self, forKey: .remote)
        local = try container.decode(StringOrList.self, forKey: .local).values
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(remote, forKey: .remote)
        try container.encode(local, forKey: .local)
    }
}
