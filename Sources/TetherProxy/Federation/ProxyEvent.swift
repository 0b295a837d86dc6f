/// Who holds a tunnel to this proxy: one of its nodes, or a leaf cluster's proxy.
public enum TunnelPeer: Sendable, Hashable {
    case node(hostID: String)
    case leaf(cluster: String)

    /// The key in the tunnel registry. Host ids never contain `/`.
    var registryID: String {
        switch self {
        case .node(let hostID): hostID
        case .leaf(let cluster): Self.leafPrefix + cluster
        }
    }

    init(registryID: String) {
        if registryID.hasPrefix(Self.leafPrefix) {
            self = .leaf(cluster: String(registryID.dropFirst(Self.leafPrefix.count)))
        } else {
            self = .node(hostID: registryID)
        }
    }

    private static let leafPrefix = "cluster/"
}

/// What the proxy reports for its cluster's audit log.
public enum ProxyEvent: Sendable, Equatable {
    /// A node's or leaf's tunnel to this proxy came up or went down;
    /// `remoteAddress` is where it came from (a NAT's address, typically);
    /// `reason` says why it went down.
    case tunnel(TunnelPeer, online: Bool, remoteAddress: String?, reason: String? = nil)
    /// This (leaf) proxy's own tunnel to a root it trusts came up or went down.
    case rootLink(cluster: String, online: Bool, reason: String?)
    /// A user's connection was routed through a leaf's tunnel: the root
    /// records only this, the session itself is the leaf's to audit.
    case routedToLeaf(user: String, cluster: String, node: String, clientAddress: String)
    /// A user (of `originCluster`, when a root's) asked for a node their
    /// roles do not let them see, or with an SSH certificate not their own,
    /// and was refused before the node heard of it.
    case nodeRefused(user: String, node: String, reason: String, originCluster: String?, clientAddress: String?)
    /// A peer asked to hold a tunnel and was refused (`peer` is who its
    /// certificate names).
    case tunnelRefused(peer: String, reason: String, remoteAddress: String?)
}
