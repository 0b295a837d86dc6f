import Foundation
import NIOConcurrencyHelpers
import TetherAPI
import TetherCore
import TetherTunnel

/// How the proxy reaches one node.
public struct NodeRoute: Sendable, Equatable {
    public var name: String
    public var hostID: String
    public var labels: Labels
    /// Reached through its own reverse tunnel; otherwise dialled at `address`.
    public var tunnel: Bool
    public var address: String?

    public init(name: String, hostID: String, labels: Labels, tunnel: Bool, address: String?) {
        self.name = name
        self.hostID = hostID
        self.labels = labels
        self.tunnel = tunnel
        self.address = address
    }
}

/// Where the directory learns the cluster's nodes and who may see them: the
/// auth service's inventory and roles, read in-process (the proxy runs
/// beside its auth service), so a read is a quick local query.
public protocol NodeDirectorySource: Sendable {
    func nodeRoutes() throws -> [NodeRoute]
    /// Host ids of the nodes a user holding `roles` sees in `tether ls`.
    func visibleHostIDs(user: String, roles: [String]) throws -> Set<String>
    /// Whether `hostID` is a node of the cluster now (not removed by an administrator).
    func isNode(hostID: String) throws -> Bool
}

/// Who asks to be routed to a node: a user, the roles their certificate
/// names, and for the audit where they come from.
struct NodeViewer: Sendable {
    var user: String
    var roles: [String]
    /// The root cluster of a visitor from a root.
    var originCluster: String?
    var clientAddress: String?
}

/// The proxy's cached view of the cluster's nodes, read (on NIO's thread
/// pool: routing also asks the source who may see them) when a session is
/// routed, refreshed in the background and on a miss (a
/// node that joined a moment ago, or a direct node whose first heartbeat,
/// with the address it listens on, came after the last refresh).
final class NodeDirectory: Sendable {
    private let source: any NodeDirectorySource
    private let onEvent: @Sendable (ProxyEvent) -> Void
    private let routes = NIOLockedValueBox<[String: [NodeRoute]]>([:])

    /// `onEvent` hears of users refused a node they may not see.
    init(source: any NodeDirectorySource, onEvent: @escaping @Sendable (ProxyEvent) -> Void) {
        self.source = source
        self.onEvent = onEvent
    }

    func refresh() throws {
        let list = try source.nodeRoutes()
        routes.withLockedValue { $0 = Dictionary(grouping: list, by: \.name) }
    }

    /// Refreshes, then closes the connections (tunnels, dialled direct
    /// nodes) of nodes that are no longer in the inventory: a node an
    /// administrator removed loses its tunnel within one refresh, though its
    /// certificate still runs. Connections newer than the inventory read are
    /// left alone (a node that joined a moment ago).
    func refresh(closingRemovedIn registry: TunnelRegistry) throws {
        let readAt = Date()
        try refresh()
        let nodes = routes.withLockedValue { Set($0.values.joined().map(\.hostID)) }
        for tunnel in registry.connected where tunnel.connectedAt < readAt {
            guard case .node(let hostID) = TunnelPeer(registryID: tunnel.peerID), !nodes.contains(hostID) else { continue }
            registry.close(peerID: tunnel.peerID)
        }
    }

    /// Whether `hostID` may hold a tunnel as a node: asks the inventory, not
    /// the cache, so a node that joined a moment ago is not turned away.
    /// Blocking: call it off the event loop.
    func isNode(hostID: String) throws(TetherError) -> Bool {
        do {
            return try source.isNode(hostID: hostID)
        } catch {
            throw (error as? TetherError) ?? TetherError(.unavailable, "the proxy cannot read whether host \(hostID) is a node: \(error).")
        }
    }

    /// The one node called `name` (or whose host id is `name`) that `viewer`
    /// may see. One they may not see is refused in the words of one that
    /// does not exist, before any of its bytes (its SSH host key) reach
    /// them, and reported for the audit; the node still decides the login
    /// itself. `inLeaf`: the viewer logged in to this cluster's root.
    func route(named name: String, for viewer: NodeViewer, cluster: String, inLeaf: Bool) throws(TetherError) -> NodeRoute {
        var found = cached(name)
        if found.isEmpty || found.contains(where: { !$0.tunnel && $0.address == nil }) {
            try? refresh()
            found = cached(name)
        }
        found = try visible(found, to: viewer, cluster: cluster)
        switch found.count {
        case 0:
            throw NodeVisibility.notVisible(name, cluster: cluster, inLeaf: inLeaf)
        case 1:
            return found[0]
        default:
            let ids = found.map(\.hostID).sorted().joined(separator: ", ")
            throw TetherError(.invalidArgument, "\(found.count) nodes in cluster \(cluster) are called \(name) (\(ids)); connect by host id instead.")
        }
    }

    /// Those of `candidates` the viewer may see; when that leaves none, the refusal is reported.
    private func visible(_ candidates: [NodeRoute], to viewer: NodeViewer, cluster: String) throws(TetherError) -> [NodeRoute] {
        guard let node = candidates.first else { return [] }
        let visible: Set<String>
        do {
            visible = try source.visibleHostIDs(user: viewer.user, roles: viewer.roles)
        } catch {
            throw (error as? TetherError) ?? TetherError(.unavailable, "the proxy cannot read which nodes \(viewer.user) may reach: \(error).")
        }
        let seen = candidates.filter { visible.contains($0.hostID) }
        if seen.isEmpty {
            let held = viewer.roles.isEmpty ? "no roles" : "roles " + viewer.roles.joined(separator: ", ")
            onEvent(.nodeRefused(
                user: viewer.user, node: node.name, reason: "\(viewer.user) (\(held)) may not see node \(node.name) in cluster \(cluster)",
                originCluster: viewer.originCluster, clientAddress: viewer.clientAddress))
        }
        return seen
    }

    private func cached(_ name: String) -> [NodeRoute] {
        routes.withLockedValue { routes in
            routes[name] ?? routes.values.flatMap { $0 }.filter { $0.hostID == name }
        }
    }
}
