import NIOConcurrencyHelpers
import Testing
import TetherCore
@testable import TetherProxy

/// The auth inventory as it changes under the proxy.
private final class ChangingInventory: NodeDirectorySource {
    let routes: NIOLockedValueBox<[NodeRoute]>
    init(_ routes: [NodeRoute]) { self.routes = NIOLockedValueBox(routes) }
    func nodeRoutes() throws -> [NodeRoute] { routes.withLockedValue { $0 } }
}

@Suite struct NodeDirectoryTests {
    private func siteServer(address: String?) -> NodeRoute {
        NodeRoute(name: "site-server", hostID: "h-1", labels: [:], tunnel: false, address: address)
    }

    @Test func aNodeThatJoinedOrSaidWhereItListensSinceTheLastRefreshIsFound() throws {
        let inventory = ChangingInventory([])
        let directory = NodeDirectory(source: inventory)
        try directory.refresh()

        // Joined: on record, but its first heartbeat (with its address) is still to come.
        inventory.routes.withLockedValue { $0 = [siteServer(address: nil)] }
        #expect(try directory.route(named: "site-server", cluster: "acme").address == nil)

        inventory.routes.withLockedValue { $0 = [siteServer(address: "127.0.0.1:3022")] }
        #expect(try directory.route(named: "site-server", cluster: "acme").address == "127.0.0.1:3022")
    }
}
