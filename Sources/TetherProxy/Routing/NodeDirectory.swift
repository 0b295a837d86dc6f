import NIOConcurrencyHelpers
import TetherCore

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

/// Where the directory learns the cluster's nodes: the auth service's
/// inventory, read in-process (the proxy runs beside its auth service), so
/// a read is a quick local query.
public protocol NodeDirectorySource: Sendable {
    func nodeRoutes() throws -> [NodeRoute]
}

/// The proxy's cached view of the cluster's nodes, read on the event loop
/// when a session is routed, refreshed in the background and on a miss (a
/// node that joined a moment ago, or a direct node whose first heartbeat,
/// with the address it listens on, came after the last refresh).
final class NodeDirectory: Sendable {
    private let source: any NodeDirectorySource
    private let routes = NIOLockedValueBox<[String: [NodeRoute]]>([:])

    init(source: any NodeDirectorySource) {
        self.source = source
    }

    func refresh() throws {
        let list = try source.nodeRoutes()
        routes.withLockedValue { $0 = Dictionary(grouping: list, by: \.name) }
    }

    /// The one node called `name` (or whose host id is `name`).
    func route(named name: String, cluster: String) throws(TetherError) -> NodeRoute {
        var found = cached(name)
        if found.isEmpty || found.contains(where: { !$0.tunnel && $0.address == nil }) {
            try? refresh()
            found = cached(name)
        }
        switch found.count {
        case 0:
            throw TetherError(.notFound, "node \(name) is not in cluster \(cluster); `tether ls` lists the nodes you can reach.")
        case 1:
            return found[0]
        default:
            let ids = found.map(\.hostID).sorted().joined(separator: ", ")
            throw TetherError(.invalidArgument, "\(found.count) nodes in cluster \(cluster) are called \(name) (\(ids)); connect by host id instead.")
        }
    }

    private func cached(_ name: String) -> [NodeRoute] {
        routes.withLockedValue { routes in
            routes[name] ?? routes.values.flatMap { $0 }.filter { $0.hostID == name }
        }
    }
}
