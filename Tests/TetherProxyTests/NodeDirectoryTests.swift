import NIOConcurrencyHelpers
import Testing
import TetherCore
@testable import TetherProxy

/// The auth inventory as it changes under the proxy.
private final class ChangingInventory: NodeDirectorySource {
    let routes: NIOLockedValueBox<[NodeRoute]>
    /// Host ids alice's roles let her see; nobody else sees any.
    let visibleToAlice: Set<String>
    init(_ routes: [NodeRoute], visibleToAlice: Set<String> = ["h-1"]) {
        self.routes = NIOLockedValueBox(routes)
        self.visibleToAlice = visibleToAlice
    }
    func nodeRoutes() throws -> [NodeRoute] { routes.withLockedValue { $0 } }
    func visibleHostIDs(user: String, roles: [String]) throws -> Set<String> { user == "alice" ? visibleToAlice : [] }
    func isNode(hostID: String) throws -> Bool { routes.withLockedValue { $0.contains { $0.hostID == hostID } } }
}

@Suite struct NodeDirectoryTests {
    private func siteServer(address: String?) -> NodeRoute {
        NodeRoute(name: "site-server", hostID: "h-1", labels: [:], tunnel: false, address: address)
    }

    private let alice = NodeViewer(user: "alice", roles: ["access"])

    @Test func aNodeThatJoinedOrSaidWhereItListensSinceTheLastRefreshIsFound() throws {
        let inventory = ChangingInventory([])
        let directory = NodeDirectory(source: inventory, onEvent: { _ in })
        try directory.refresh()

        // Joined: on record, but its first heartbeat (with its address) is still to come.
        inventory.routes.withLockedValue { $0 = [siteServer(address: nil)] }
        #expect(try directory.route(named: "site-server", for: alice, cluster: "acme", inLeaf: false).address == nil)

        inventory.routes.withLockedValue { $0 = [siteServer(address: "127.0.0.1:3022")] }
        #expect(try directory.route(named: "site-server", for: alice, cluster: "acme", inLeaf: false).address == "127.0.0.1:3022")
    }

    @Test func aNodeHiddenFromTheUserIsRefusedInTheWordsOfAMissingOneNamingTheListing() throws {
        let reported = NIOLockedValueBox<[ProxyEvent]>([])
        let directory = NodeDirectory(source: ChangingInventory([siteServer(address: "127.0.0.1:3022")]), onEvent: { event in
            reported.withLockedValue { $0.append(event) }
        })
        try directory.refresh()
        let bob = NodeViewer(user: "bob", roles: ["access"], clientAddress: "192.0.2.7")

        let hidden = #expect(throws: TetherError.self) { try directory.route(named: "site-server", for: bob, cluster: "acme", inLeaf: false) }
        let missing = #expect(throws: TetherError.self) { try directory.route(named: "robot-99", for: alice, cluster: "acme", inLeaf: false) }
        #expect(hidden?.message == "no node named site-server in cluster acme is visible to you; run tether ls to see the nodes you can reach.")
        #expect(missing?.message == "no node named robot-99 in cluster acme is visible to you; run tether ls to see the nodes you can reach.")
        #expect(hidden?.code == .notFound && missing?.code == .notFound)
        // The refusal is audited (the node never hears of it); a name nobody has is not a refusal.
        #expect(reported.withLockedValue { $0 } == [.nodeRefused(
            user: "bob", node: "site-server", reason: "bob (roles access) may not see node site-server in cluster acme",
            originCluster: nil, clientAddress: "192.0.2.7")])

        // Asked through the root: the listing that shows the leaf's nodes.
        let fromRoot = #expect(throws: TetherError.self) { try directory.route(named: "h-1", for: bob, cluster: "acme", inLeaf: true) }
        #expect(fromRoot?.message == "no node named h-1 in cluster acme is visible to you; run tether ls --cluster acme to see the nodes you can reach.")
    }
}
