/// `POST /v1/nodes/heartbeat`: a node says it is alive and what it is now.
public struct Heartbeat: Codable, Sendable, Equatable {
    public var hostID: String
    public var name: String
    public var labels: [String: String]
    /// True for a tunnel node (reached through its reverse tunnel).
    public var tunnel: Bool
    /// host:port for a direct node.
    public var address: String?
    /// Authorized-keys line of the node's SSH host key (for clients' known_hosts).
    public var sshHostKey: String
    /// Seconds until the node should be considered gone without a new heartbeat.
    public var ttlSeconds: Int64

    public init(hostID: String, name: String, labels: [String: String], tunnel: Bool, address: String?, sshHostKey: String, ttlSeconds: Int64) {
        self.hostID = hostID
        self.name = name
        self.labels = labels
        self.tunnel = tunnel
        self.address = address
        self.sshHostKey = sshHostKey
        self.ttlSeconds = ttlSeconds
    }

    enum CodingKeys: String, CodingKey {
        case name, labels, tunnel, address
        case hostID = "host_id"
        case sshHostKey = "ssh_host_key"
        case ttlSeconds = "ttl_seconds"
    }
}

/// One entry of `GET /v1/nodes`.
public struct NodeSummary: Codable, Sendable, Equatable {
    public var name: String
    public var hostID: String
    public var cluster: String
    public var labels: [String: String]
    public var tunnel: Bool
    public var online: Bool
    /// RFC 3339 time of the last heartbeat.
    public var lastSeen: String
    public var sshHostKey: String

    public init(name: String, hostID: String, cluster: String, labels: [String: String], tunnel: Bool, online: Bool, lastSeen: String, sshHostKey: String) {
        self.name = name
        self.hostID = hostID
        self.cluster = cluster
        self.labels = labels
        self.tunnel = tunnel
        self.online = online
        self.lastSeen = lastSeen
        self.sshHostKey = sshHostKey
    }

    enum CodingKeys: String, CodingKey {
        case name, cluster, labels, tunnel, online
        case hostID = "host_id"
        case lastSeen = "last_seen"
        case sshHostKey = "ssh_host_key"
    }
}
