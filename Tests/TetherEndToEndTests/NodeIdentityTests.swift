import Foundation
import Testing
import TetherTestSupport

/// A node's name and standing belong to the host that joined under them: a
/// stolen node token cannot take a name over, and a node an administrator
/// removed is refused at once though its certificates still run.
@Suite(.serialized) struct NodeIdentityTests {
    /// The host id `tetherctl get nodes` lists for `node`.
    private func hostID(of node: String, in cluster: ClusterFixture) async throws -> String {
        let listing = try await cluster.tetherctl(["get", "nodes", node, "--format", "json"]).stdout
        let match = try #require(listing.firstMatch(of: try Regex(#""host_id" *: *"([^"]+)""#)))
        return try #require(match.output[1].substring.map(String.init))
    }

    private func auditedFailures(_ cluster: ClusterFixture) async throws -> String {
        try await cluster.tetherctl(["audit", "search", "--type", "auth.failed", "--format", "json"]).stdout
    }

    @Test func aSecondNodeJoiningUnderATakenNameIsRefusedAndTheOriginalStaysRouted() async throws {
        try await ClusterFixture(nodes: [.init(name: "robot-1", labels: "{customer: acme}")]).use { cluster in
            #expect(try await cluster.loginAlice().status == 0)
            #expect(try await eventually { try await cluster.tether(["ls"]).stdout.contains("robot-1") })
            let original = try await hostID(of: "robot-1", in: cluster)

            // Another machine, with a valid node token of its own, asks for robot-1.
            let config = try await cluster.admin.nodeConfiguration(
                name: "robot-1", dataDirectory: cluster.directory.path("impostor"), labels: "{customer: acme}",
                reach: "proxy_server: 127.0.0.1:\(cluster.proxyPort)", caPin: cluster.caPin)
            let impostor = try ChildProcess(
                ClusterFixture.binary("tetherd"), ["start", "--config", try cluster.directory.write(config, to: "impostor.yaml")],
                stdoutPath: cluster.directory.path("impostor.out"), stderrPath: cluster.directory.path("impostor.log"))
            let stopped = await eventually(timeout: .seconds(60)) { !impostor.isRunning }
            if !stopped { await impostor.terminate() }
            #expect(stopped, "a second tetherd joined as robot-1 and kept running")
            let sentence = "node name robot-1 is taken by host \(original) with another host key; to give the name to this machine remove the node first (tetherctl rm node/robot-1) or join with a token made by tetherctl tokens add --type node --node robot-1."
            #expect(cluster.log(of: "impostor").contains(sentence), "\(cluster.log(of: "impostor"))")
            #expect(try await auditedFailures(cluster).contains("node name robot-1 is taken by host \(original)"))

            // robot-1 is still the original host, and sessions still reach it.
            #expect(try await hostID(of: "robot-1", in: cluster) == original)
            let hello = try await cluster.tether(["ssh", "\(cluster.login)@robot-1", "echo", "still me"])
            #expect(hello.status == 0, "\(hello.stderr)")
            #expect(hello.stdout == "still me\n")
        }
    }

    @Test func aRemovedNodeLosesItsTunnelHeartbeatsAndAccessPolicyAtOnce() async throws {
        try await ClusterFixture(nodes: [.init(name: "robot-1", labels: "{customer: acme}")]).use { cluster in
            #expect(try await cluster.loginAlice().status == 0)
            #expect(try await eventually { try await cluster.tether(["ls"]).stdout.contains("robot-1") })
            let removed = try await hostID(of: "robot-1", in: cluster)
            #expect(try await cluster.tether(["ssh", "\(cluster.login)@robot-1", "true"]).status == 0)

            try await cluster.tetherctl(["rm", "node/robot-1"])

            // Its 90-day certificate still runs, but nothing it asks as a node is granted.
            let tunnel = "host \(removed) is no node of cluster \(cluster.cluster)"
            let heartbeat = "host \(removed) sent a heartbeat but is no node of this cluster"
            let policy = "host \(removed) asked for the access policy but is no node of this cluster"
            _ = try await eventually(timeout: .seconds(30)) {
                let failures = try await auditedFailures(cluster)
                return failures.contains(tunnel) && failures.contains(heartbeat) && failures.contains(policy)
            }
            let failures = try await auditedFailures(cluster)
            #expect(failures.contains(tunnel), "\(failures)")
            #expect(failures.contains(heartbeat), "\(failures)")
            #expect(failures.contains(policy), "\(failures)")
            let disconnects = try await cluster.tetherctl(["audit", "search", "--type", "tunnel.disconnect", "--format", "json"]).stdout
            #expect(disconnects.contains(removed))
            let refused = try await cluster.tether(["ssh", "\(cluster.login)@robot-1", "true"])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("no node named robot-1 in cluster \(cluster.cluster) is visible to you"), "\(refused.stderr)")
        }
    }
}
