import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
import TetherCore
import TetherTestSupport
import TetherTunnel
@testable import TetherProxy

/// The auth inventory as it changes under the proxy; counts its reads.
private final class ChangingInventory: NodeDirectorySource {
    let routes: NIOLockedValueBox<[NodeRoute]>
    let reads = NIOLockedValueBox(0)
    /// Host ids alice's roles let her see; nobody else sees any.
    let visibleToAlice: Set<String>
    init(_ routes: [NodeRoute], visibleToAlice: Set<String> = ["h-1"]) {
        self.routes = NIOLockedValueBox(routes)
        self.visibleToAlice = visibleToAlice
    }
    func nodeRoutes() throws -> [NodeRoute] {
        reads.withLockedValue { $0 += 1 }
        return routes.withLockedValue { $0 }
    }
    func visibleHostIDs(user: String, roles: [String]) throws -> Set<String> { user == "alice" ? visibleToAlice : [] }
    func isNode(hostID: String) throws -> Bool { routes.withLockedValue { $0.contains { $0.hostID == hostID } } }
}

@Suite struct NodeDirectoryTests {
    private func siteServer(address: String?) -> NodeRoute {
        NodeRoute(name: "site-server", hostID: "h-1", labels: [:], tunnel: false, address: address)
    }

    private let alice = NodeViewer(user: "alice", roles: ["access"])
    private let eventLoop = MultiThreadedEventLoopGroup.singleton.next()

    /// A directory over `inventory`, running (read every `interval`, and on misses) while `body` runs.
    private func withDirectory(
        _ inventory: ChangingInventory, interval: Duration = .seconds(3600), reporting reported: NIOLockedValueBox<[ProxyEvent]> = .init([]),
        _ body: (NodeDirectory) async throws -> Void
    ) async throws {
        let registry = TunnelRegistry()
        let directory = NodeDirectory(
            source: inventory, registry: registry, leaves: LeafDirectory(source: NoFederation(), registry: registry),
            interval: interval, logger: Logger(label: "test.directory"), onEvent: { event in reported.withLockedValue { $0.append(event) } })
        await directory.refresh()
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await directory.run() }
            defer { tasks.cancelAll() }
            try await body(directory)
        }
    }

    private func route(_ name: String, for viewer: NodeViewer, in directory: NodeDirectory, inLeaf: Bool = false) async throws -> NodeRoute {
        try await directory.route(named: name, for: viewer, cluster: "acme", inLeaf: inLeaf, on: eventLoop).get()
    }

    @Test func aNodeThatJoinedOrSaidWhereItListensSinceTheLastRefreshIsFound() async throws {
        let inventory = ChangingInventory([])
        try await withDirectory(inventory) { directory async throws in
            // Joined: on record, but its first heartbeat (with its address) is still to come.
            inventory.routes.withLockedValue { $0 = [siteServer(address: nil)] }
            #expect(try await route("site-server", for: alice, in: directory).address == nil)

            inventory.routes.withLockedValue { $0 = [siteServer(address: "127.0.0.1:3022")] }
            #expect(try await route("site-server", for: alice, in: directory).address == "127.0.0.1:3022")
            // Known with its address: answered from memory, no read.
            let reads = inventory.reads.withLockedValue { $0 }
            #expect(try await route("h-1", for: alice, in: directory).name == "site-server")
            #expect(inventory.reads.withLockedValue { $0 } == reads)
        }
    }

    @Test func aFloodOfLookupsForUnknownNamesSharesAFewReads() async throws {
        let inventory = ChangingInventory([siteServer(address: "127.0.0.1:3022")])
        try await withDirectory(inventory) { directory async throws in
            let before = inventory.reads.withLockedValue { $0 }
            let lookups = (0..<200).map { number in
                directory.route(named: "robot-\(number)", for: alice, cluster: "acme", inLeaf: false, on: eventLoop)
            }
            for lookup in lookups {
                await #expect(throws: TetherError.self) { try await lookup.get() }
            }
            // One read answers every miss waiting when it starts; the rest share the next.
            let reads = inventory.reads.withLockedValue { $0 } - before
            #expect(reads >= 1 && reads <= 3, "200 misses cost \(reads) reads")
        }
    }

    @Test func aRemovedNodeIsRefusedOnceTheDirectoryIsRefreshed() async throws {
        let inventory = ChangingInventory([siteServer(address: "127.0.0.1:3022")])
        try await withDirectory(inventory, interval: .milliseconds(50)) { directory async throws in
            #expect(try await route("site-server", for: alice, in: directory).hostID == "h-1")
            inventory.routes.withLockedValue { $0 = [] }
            #expect(await eventually {
                do {
                    _ = try await route("site-server", for: alice, in: directory)
                    return false
                } catch {
                    return (error as? TetherError)?.code == .notFound
                }
            })
        }
    }

    @Test func twoNodesOfOneNameAreAmbiguousAndConnectedToByHostID() async throws {
        let twin = NodeRoute(name: "site-server", hostID: "h-2", labels: [:], tunnel: true, address: nil)
        let inventory = ChangingInventory([siteServer(address: "127.0.0.1:3022"), twin], visibleToAlice: ["h-1", "h-2"])
        try await withDirectory(inventory) { directory async throws in
            let ambiguous = await #expect(throws: TetherError.self) { try await route("site-server", for: alice, in: directory) }
            #expect(ambiguous?.message == "2 nodes in cluster acme are called site-server (h-1, h-2); connect by host id instead.")
            #expect(try await route("h-2", for: alice, in: directory).hostID == "h-2")
        }
    }

    @Test func aNodeHiddenFromTheUserIsRefusedInTheWordsOfAMissingOneNamingTheListing() async throws {
        let reported = NIOLockedValueBox<[ProxyEvent]>([])
        let inventory = ChangingInventory([siteServer(address: "127.0.0.1:3022")])
        try await withDirectory(inventory, reporting: reported) { directory async throws in
            let bob = NodeViewer(user: "bob", roles: ["access"], clientAddress: "192.0.2.7")

            let hidden = await #expect(throws: TetherError.self) { try await route("site-server", for: bob, in: directory) }
            let missing = await #expect(throws: TetherError.self) { try await route("robot-99", for: alice, in: directory) }
            #expect(hidden?.message == "no node named site-server in cluster acme is visible to you; run tether ls to see the nodes you can reach.")
            #expect(missing?.message == "no node named robot-99 in cluster acme is visible to you; run tether ls to see the nodes you can reach.")
            #expect(hidden?.code == .notFound && missing?.code == .notFound)
            // The refusal is audited (the node never hears of it); a name nobody has is not a refusal.
            #expect(reported.withLockedValue { $0 } == [.nodeRefused(
                user: "bob", node: "site-server", reason: "bob (roles access) may not see node site-server in cluster acme",
                originCluster: nil, clientAddress: "192.0.2.7")])

            // Asked through the root: the listing that shows the leaf's nodes.
            let fromRoot = await #expect(throws: TetherError.self) { try await route("h-1", for: bob, in: directory, inLeaf: true) }
            #expect(fromRoot?.message == "no node named h-1 in cluster acme is visible to you; run tether ls --cluster acme to see the nodes you can reach.")
        }
    }
}
