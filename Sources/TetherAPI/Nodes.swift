import Foundation
import TetherCore

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

/// `GET /v1/nodes?name=NODE`: the nodes so named, looked up because the user
/// is about to reach one (`tether ssh`); without `name` it is a plain listing
/// (`tether ls`, `tether config`). A leaf that refuses a root user a plain
/// listing does not audit it: the user attempted nothing.
public enum NodeQuery {
    public static let name = "name"

    /// The request path that looks up `node`.
    public static func lookup(_ node: String) -> String {
        let value = node.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(["&", "=", "+", "#"])) ?? node
        return "\(APIPath.nodes)?\(name)=\(value)"
    }

    /// Whether `method` `uri` is a plain listing of nodes.
    public static func isListing(method: String, uri: String) -> Bool {
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        guard method == "GET", parts.first == Substring(APIPath.nodes) else { return false }
        return !(parts.dropFirst().first?.split(separator: "&").contains { $0.hasPrefix(name + "=") } ?? false)
    }
}

/// What `tether ssh` (looking in the listing) and the proxy (routing a
/// CONNECT, stock ssh's included) say about a node name the user cannot
/// reach: the same words whether the node is missing or hidden from them,
/// so neither tells which, and the listing that shows what they can reach.
public enum NodeVisibility {
    /// `inLeaf`: `cluster` is a leaf of the cluster the user logged in to.
    public static func notVisible(_ name: String, cluster: String, inLeaf: Bool) -> TetherError {
        let listing = inLeaf ? "tether ls --cluster \(cluster)" : "tether ls"
        return TetherError(.notFound, "no node named \(name) in cluster \(cluster) is visible to you; run \(listing) to see the nodes you can reach.")
    }
}
