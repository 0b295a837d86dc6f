import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
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

/// The proxy's view of the cluster's nodes (and, through `leaves`, of its
/// leaf clusters), held in memory so that routing never waits for SQLite on
/// an event loop. `run()` (a `Service`) reads the inventory on NIO's thread
/// pool every `interval`, and sooner when a lookup misses: a node that
/// joined a moment ago, or a direct node whose first heartbeat (with the
/// address it listens on) came after the last read. Misses are coalesced:
/// however many arrive, one read is in flight at a time and reads a miss
/// asks for start at least `missSpacing` apart; every miss waiting when a
/// read starts is answered by it. A name nobody has is thus refused from
/// memory, after at most one shared read, and never costs a read of its own.
final class NodeDirectory: Service, Sendable {
    private struct State {
        var routes: [String: [NodeRoute]] = [:]
        /// Lookups waiting for the next read of the inventory.
        var misses: [EventLoopPromise<Void>] = []
        /// The run loop, waiting for a miss or its interval.
        var idle: CheckedContinuation<Void, Never>?
        /// `run` returned: misses answer from memory at once.
        var stopped = false
    }

    private let source: any NodeDirectorySource
    private let registry: TunnelRegistry
    private let leaves: LeafDirectory
    private let interval: Duration
    private let missSpacing: Duration
    private let logger: Logger
    private let onEvent: @Sendable (ProxyEvent) -> Void
    private let state = NIOLockedValueBox(State())

    /// `registry`: tunnels of nodes no longer in the inventory are closed
    /// after each read. `onEvent` hears of users refused a node they may not see.
    init(
        source: any NodeDirectorySource, registry: TunnelRegistry, leaves: LeafDirectory, interval: Duration,
        missSpacing: Duration = .milliseconds(250), logger: Logger, onEvent: @escaping @Sendable (ProxyEvent) -> Void
    ) {
        self.source = source
        self.registry = registry
        self.leaves = leaves
        self.interval = interval
        self.missSpacing = missSpacing
        self.logger = logger
        self.onEvent = onEvent
    }

    // MARK: Refreshing

    /// Reads the inventory every `interval`, or sooner for waiting misses,
    /// until cancelled or shut down; lookups then answer from memory.
    func run() async throws {
        try await cancelWhenGracefulShutdown {
            var lastMissRead = ContinuousClock.now - self.missSpacing
            await repeatUntilCancelled {
                let askedByMiss = await self.waitForMissOrInterval()
                guard !Task.isCancelled else { return nil }
                if askedByMiss {
                    try? await Task.sleep(until: lastMissRead + self.missSpacing)
                    lastMissRead = .now
                }
                // Misses from here on wait for the next read: this one may have begun before their node joined.
                let answered = self.state.withLockedValue { state in
                    defer { state.misses = [] }
                    return state.misses
                }
                await self.refresh()
                answered.forEach { $0.succeed() }
                return .zero
            }
        }
        // Lookups still waiting answer from what is known.
        let waiting = state.withLockedValue { state in
            state.stopped = true
            defer { state.misses = [] }
            return state.misses
        }
        waiting.forEach { $0.succeed() }
    }

    /// Reads the inventory now (on NIO's thread pool), then closes the
    /// tunnels and dialled connections of nodes no longer in it: a node an
    /// administrator removed loses its tunnel within one refresh, though
    /// its certificate still runs. Connections newer than the read are left
    /// alone (a node that joined a moment ago). A failure is logged; the
    /// directory keeps what it knew.
    func refresh() async {
        do {
            try await NIOThreadPool.singleton.runIfActive { try self.readInventory() }
        } catch {
            logger.warning("cannot refresh the proxy's directories", metadata: ["error": "\(error)"])
        }
    }

    private func readInventory() throws {
        let readAt = Date()
        let routes = Dictionary(grouping: try source.nodeRoutes(), by: \.name)
        state.withLockedValue { $0.routes = routes }
        let nodes = Set(routes.values.joined().map(\.hostID))
        for tunnel in registry.connected where tunnel.connectedAt < readAt {
            guard case .node(let hostID) = TunnelPeer(registryID: tunnel.peerID), !nodes.contains(hostID) else { continue }
            registry.close(peerID: tunnel.peerID)
        }
        try leaves.refresh()
    }

    /// Returns true when a miss asked for a read, false when the interval passed (or on cancellation).
    private func waitForMissOrInterval() async -> Bool {
        await withTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                try? await Task.sleep(for: self.interval)
                return false
            }
            tasks.addTask { await self.waitForMiss() }
            let first = await tasks.next() ?? false
            tasks.cancelAll()
            return first
        }
    }

    private func waitForMiss() async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLockedValue { state in
                    guard state.misses.isEmpty, !Task.isCancelled else { return true }
                    state.idle = continuation
                    return false
                }
                if now { continuation.resume() }
            }
            return state.withLockedValue { !$0.misses.isEmpty }
        } onCancel: {
            wakeRunLoop()
        }
    }

    private func wakeRunLoop() {
        state.withLockedValue { state in
            defer { state.idle = nil }
            return state.idle
        }?.resume()
    }

    /// Completes once a read of the inventory that began after this call
    /// has ended (at once if `run` has returned).
    private func nextRead(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        let queued = state.withLockedValue { state in
            guard !state.stopped else { return false }
            state.misses.append(promise)
            return true
        }
        guard queued else {
            promise.succeed()
            return promise.futureResult
        }
        wakeRunLoop()
        return promise.futureResult
    }

    // MARK: Routing

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
    /// Answered from memory (after the next read, on a miss); who may see
    /// a node that exists is read on NIO's thread pool, never on `eventLoop`.
    func route(named name: String, for viewer: NodeViewer, cluster: String, inLeaf: Bool, on eventLoop: any EventLoop) -> EventLoopFuture<NodeRoute> {
        let known = cached(name)
        let candidates = known.isEmpty || known.contains(where: { !$0.tunnel && $0.address == nil })
            ? nextRead(on: eventLoop).map { self.cached(name) }
            : eventLoop.makeSucceededFuture(known)
        return candidates.flatMap { candidates in
            guard !candidates.isEmpty else {
                return eventLoop.makeFailedFuture(NodeVisibility.notVisible(name, cluster: cluster, inLeaf: inLeaf))
            }
            return NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) {
                try self.choose(name, among: candidates, for: viewer, cluster: cluster, inLeaf: inLeaf)
            }
        }
    }

    private func choose(_ name: String, among candidates: [NodeRoute], for viewer: NodeViewer, cluster: String, inLeaf: Bool) throws(TetherError) -> NodeRoute {
        let found = try visible(candidates, to: viewer, cluster: cluster)
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
        state.withLockedValue { state in
            let routes = state.routes
            return routes[name] ?? routes.values.flatMap { $0 }.filter { $0.hostID == name }
        }
    }
}
