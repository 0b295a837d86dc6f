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

/// An API request a root proxy relays to a leaf over the leaf's tunnel: a
/// tunnel stream at `streamPath` whose metadata carries the request line and
/// the caller's root certificate; the body follows as stream data, and the
/// leaf answers with one JSON `RelayedResponse`.
public enum APIRelay {
    public static let streamPath = "/v1/api"
    public enum Metadata {
        public static let method = "method"
        public static let uri = "uri"
        public static let contentType = "content-type"
        /// The caller's TLS client certificate (base64 DER), as the root verified it.
        public static let certificate = "certificate"
        /// The caller's IP address as the root proxy saw it.
        public static let clientAddress = "client-address"
    }
}

/// The leaf's answer to a relayed API request.
public struct RelayedResponse: Codable, Sendable, Equatable {
    public var status: Int
    public var contentType: String?
    /// Base64 of the body.
    public var body: String

    public init(status: Int, contentType: String?, body: String) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    enum CodingKeys: String, CodingKey {
        case status, body
        case contentType = "content_type"
    }
}
