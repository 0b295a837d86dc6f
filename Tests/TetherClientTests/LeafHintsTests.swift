import TetherAPI
@testable import TetherClient
import TetherCore
import TetherIdentity
import TetherTransport
import Testing

/// The sentences that send a user on from the cluster they logged in to.
@Suite struct LeafHintsTests {
    @Test func anEmptyRootListingNamesTheLeavesAndTheCommands() {
        #expect(LeafHints.emptyListing(cluster: "hub", labels: [:], leaves: []) == nil)
        #expect(LeafHints.emptyListing(cluster: "hub", labels: [:], leaves: ["acme-dallas"])
            == "no node of cluster hub is visible to you, but it has leaf clusters (acme-dallas): run tether ls --cluster acme-dallas to see a leaf's nodes, and tether clusters to see which leaves are online.")
        #expect(LeafHints.emptyListing(cluster: "hub", labels: ["site": "plant"], leaves: ["acme", "globex"])
            == "no node of cluster hub with labels site=plant is visible to you, but it has leaf clusters (acme, globex): run tether ls --cluster NAME to see a leaf's nodes, and tether clusters to see which leaves are online.")
    }

    @Test func aSessionTheRootNeverRecordedPointsAtItsLeaves() {
        #expect(LeafHints.sessionNotFound("s-1", cluster: "hub", leaves: []) == nil)
        #expect(LeafHints.sessionNotFound("s-1", cluster: "hub", leaves: ["acme"])
            == TetherError(.notFound, "cluster hub has no recording of session s-1; if it ran in a leaf cluster (acme), run tether play --cluster acme s-1."))
    }

    @Test func aNodeOutOfReachNamesTheListingForItsCluster() {
        #expect(NodeVisibility.notVisible("robot-99", cluster: "acme-dallas", inLeaf: true).message
            == "no node named robot-99 in cluster acme-dallas is visible to you; run tether ls --cluster acme-dallas to see the nodes you can reach.")
        #expect(NodeVisibility.notVisible("robot-99", cluster: "hub", inLeaf: false).message
            == "no node named robot-99 in cluster hub is visible to you; run tether ls to see the nodes you can reach.")
    }

    @Test func onlyANodeListingWithoutANameIsAPlainListing() {
        #expect(NodeQuery.lookup("robot-17.acme") == "/v1/nodes?name=robot-17.acme")
        #expect(NodeQuery.isListing(method: "GET", uri: "/v1/nodes"))
        #expect(!NodeQuery.isListing(method: "GET", uri: NodeQuery.lookup("robot-17")))
        #expect(!NodeQuery.isListing(method: "GET", uri: "/v1/sessions/s-1"))
        #expect(!NodeQuery.isListing(method: "POST", uri: "/v1/nodes"))
    }

    @Test func aLoginAtTheAuthPortNamesTheProxyToUse() {
        let auth = TLSIdentity(kind: .host, name: "auth", cluster: "hub", roles: ["auth"])
        var info = ClusterInfo(cluster: "hub", tlsCA: "", tlsCAPin: "", sshUserCA: "", sshHostCA: "", proxyPublicAddress: "proxy.example.test:3080")
        let server = ServerEndpoint("auth.example.test:3025", role: "the proxy", setting: "--proxy")
        func refusal() -> String? {
            let error = #expect(throws: TetherError.self) {
                try LoginFlow.expectedProxy(of: info, at: server.address).check(auth, at: server)
            }
            return error?.message
        }
        #expect(refusal() == "auth.example.test:3025 is cluster hub's auth endpoint, not its proxy; log in through the proxy instead: tether login --proxy proxy.example.test:3080.")
        info.proxyPublicAddress = nil
        #expect(refusal() == "auth.example.test:3025 is cluster hub's auth endpoint, not its proxy; log in through the proxy's address (proxy.public_addr, else proxy.listen, in the cluster's tetherd configuration).")
    }
}
