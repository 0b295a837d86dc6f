import Foundation
import NIOPosix
import TetherAPI
import TetherCore
import TetherIdentity
import TetherTestSupport
import TetherTransport
import Testing

/// Issue 11, finding 3: a stolen device's certificate chains to its
/// cluster's CA like every other. Presented by a server on 127.0.0.1, it
/// must not pass for the proxy to `tether`, for the proxy or auth service to
/// a node, or for the root's proxy to a leaf: each refuses it, naming what it
/// is, before sending a byte (no password, no request, no tunnel, no token).
@Suite(.serialized) struct StolenNodeCertificateTests {
    /// The cluster's public description, as anyone may fetch it.
    private func clusterInfo(of cluster: ClusterFixture) async throws -> ClusterInfo {
        try await ClusterPinning.discover(
            ServerEndpoint("127.0.0.1:\(cluster.proxyPort)", role: "the proxy", setting: "the test"),
            expecting: .pin(try CAPin(parsing: cluster.caPin)), eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
    }

    /// A joined node's `data_dir/node` and its host ID, once it has joined.
    private func joinedNode(_ name: String, of cluster: ClusterFixture) async throws -> (directory: String, hostID: String) {
        let directory = cluster.directory.path(name) + "/node"
        #expect(try await eventually { FileManager.default.fileExists(atPath: directory + "/identity.json") })
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/identity.json")))
        return (directory, try #require((record as? [String: Any])?["host_id"] as? String))
    }

    @Test func aNodeCertificatePosingAsTheProxyGetsNoPasswordNoRequestAndNoSession() async throws {
        try await ClusterFixture().use { cluster in
            let info = try await clusterInfo(of: cluster)
            let direct = try await joinedNode("site-server", of: cluster)
            let tunnel = try await joinedNode("robot-1", of: cluster)
            let directImpostor = try await ImpostorServer(presentingNodeIdentityIn: direct.directory, clusterInfo: info)
            let tunnelImpostor = try await ImpostorServer(presentingNodeIdentityIn: tunnel.directory, clusterInfo: info)
            defer { Task { await directImpostor.stop(); await tunnelImpostor.stop() } }
            func logIn(at address: String) async throws -> CommandResult {
                try await cluster.tether(
                    ["login", "--proxy", address, "--user", "alice", "--password-stdin", "--ca-pin", cluster.caPin],
                    stdin: ClusterFixture.password + "\n", as: "victim")
            }
            let notTheProxy = "\(directImpostor.address) is cluster \(cluster.cluster)'s node (host \(direct.hostID)) endpoint, not its proxy"

            // A direct node's certificate may serve TLS: the role it names gives it away.
            let atDirect = try await logIn(at: directImpostor.address)
            #expect(atDirect.status != 0)
            #expect(atDirect.stderr.contains("\(notTheProxy); log in through the proxy instead: tether login --proxy 127.0.0.1:\(cluster.proxyPort)."), "\(atDirect.stderr)")
            // A tunnel node's may not serve TLS at all.
            let atTunnel = try await logIn(at: tunnelImpostor.address)
            #expect(atTunnel.status != 0)
            #expect(atTunnel.stderr.contains("the TLS handshake with \(tunnelImpostor.address) failed (its certificate is not signed by the CA this client trusts, or is not a server's)"), "\(atTunnel.stderr)")
            // Both were reached; neither was asked for more than the public description.
            for impostor in [directImpostor, tunnelImpostor] {
                #expect(impostor.handshakes >= 1)
                #expect(!impostor.received.contains("POST") && !impostor.received.contains(ClusterFixture.password), "\(impostor.received)")
            }

            // alice, logged in, finds her proxy address leading to the impostor:
            // no listing, no CONNECT (no SSH certificate handed over).
            #expect(try await cluster.loginAlice().status == 0)
            let profilePath = cluster.home + "/profile.json"
            var profile = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: profilePath))) as? [String: Any])
            profile["proxy_address"] = directImpostor.address
            try JSONSerialization.data(withJSONObject: profile).write(to: URL(fileURLWithPath: profilePath))
            let before = directImpostor.received
            let listing = try await cluster.tether(["ls"])
            #expect(listing.status != 0)
            #expect(listing.stderr.contains(notTheProxy), "\(listing.stderr)")
            let pipe = try await cluster.tether(["proxy", "ssh", "\(cluster.login)@robot-1:22"], stdin: "")
            #expect(pipe.status != 0)
            #expect(pipe.stderr.contains(notTheProxy), "\(pipe.stderr)")
            #expect(directImpostor.received == before, "\(directImpostor.received)")
        }
    }

    @Test func aNodeSendsNothingToANodeCertificatePosingAsItsProxy() async throws {
        try await ClusterFixture().use { cluster in
            let info = try await clusterInfo(of: cluster)
            let direct = try await joinedNode("site-server", of: cluster)
            _ = try await joinedNode("robot-1", of: cluster)
            let impostor = try await ImpostorServer(presentingNodeIdentityIn: direct.directory, clusterInfo: info)
            defer { Task { await impostor.stop() } }

            // robot-1 restarted with its proxy_server leading to the impostor.
            await cluster.kill("robot-1")
            let configuration = cluster.directory.path("robot-1.yaml")
            let text = try String(contentsOfFile: configuration, encoding: .utf8)
            try text.replacingOccurrences(of: "proxy_server: 127.0.0.1:\(cluster.proxyPort)", with: "proxy_server: \(impostor.address)")
                .write(toFile: configuration, atomically: true, encoding: .utf8)
            try cluster.restartNode("robot-1")

            // Its tunnel and its API calls (heartbeat, policy, audit) reach the impostor and refuse it.
            // (The tunnel's reason is logged quoted: its apostrophe escaped.)
            let node = "(host \(direct.hostID)) endpoint"
            #expect(try await eventually {
                let log = cluster.log(of: "robot-1")
                return log.contains("\(impostor.address) is cluster \(cluster.cluster)'s node \(node), not its proxy or auth service; is node.proxy_server right?")
                    && log.contains("\(node), not its proxy; is node.proxy_server right?")
            }, "\(cluster.log(of: "robot-1"))")
            #expect(impostor.handshakes >= 2)
            #expect(impostor.received.isEmpty, "\(impostor.received)")
        }
    }

    @Test func aLeafSendsItsTrustTokenOnlyToTheRootsProxy() async throws {
        try await ClusterFixture(cluster: "hub").use { root in
            try await ClusterFixture(cluster: "acme", nodes: []).use { leaf in
                let info = try await clusterInfo(of: root)
                let direct = try await joinedNode("site-server", of: root)
                let impostor = try await ImpostorServer(presentingNodeIdentityIn: direct.directory, clusterInfo: info)
                defer { Task { await impostor.stop() } }
                let token = try await root.admin.token("trusted_cluster")
                let trust = try leaf.directory.write(ClusterBootstrap.trustedCluster(
                    root: "hub", token: token, proxyAddress: impostor.address, caPin: root.caPin,
                    roleMap: "- {remote: all-nodes, local: [all-nodes]}"), to: "trusted-hub.yaml")
                let created = try await leaf.tetherctl(["create", trust])
                #expect(created.status != 0)
                #expect(created.stderr.contains("\(impostor.address) is cluster hub's node (host \(direct.hostID)) endpoint, not its proxy;"), "\(created.stderr)")
                #expect(impostor.handshakes >= 1)
                #expect(!impostor.received.contains("POST") && !impostor.received.contains(token), "\(impostor.received)")
            }
        }
    }
}
