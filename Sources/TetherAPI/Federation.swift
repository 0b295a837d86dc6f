/// `POST /v1/trusted-clusters` on the ROOT (no client certificate: the
/// token authenticates the leaf): a leaf asks to trust this cluster and
/// introduces its own certificate authorities.
public struct TrustRequest: Codable, Sendable, Equatable {
    /// A `trusted_cluster` token made on the root.
    public var token: String
    /// The leaf: its name and public CA material.
    public var leaf: ClusterInfo

    public init(token: String, leaf: ClusterInfo) {
        self.token = token
        self.leaf = leaf
    }
}

/// The root's answer: its own public CA material, which the leaf stores to
/// verify root users' certificates and the root proxy.
public struct TrustResponse: Codable, Sendable, Equatable {
    public var root: ClusterInfo

    public init(root: ClusterInfo) { self.root = root }
}

/// One entry of `GET /v1/clusters`: this cluster or one of its leaves.
public struct ClusterSummary: Codable, Sendable, Equatable {
    public enum Role: String, Codable, Sendable {
        case root, leaf
    }

    public var name: String
    public var role: Role
    public var online: Bool
    /// RFC 3339 time the leaf's tunnel was last seen up; nil if never.
    public var lastSeen: String?

    public init(name: String, role: Role, online: Bool, lastSeen: String?) {
        self.name = name
        self.role = role
        self.online = online
        self.lastSeen = lastSeen
    }

    enum CodingKeys: String, CodingKey {
        case name, role, online
        case lastSeen = "last_seen"
    }
}
