import Foundation
import Testing
import TetherTestSupport

/// A malicious tenant leaf against a real root: what it answers to relayed
/// requests must neither crash the root nor reach the user unchecked.
@Suite(.serialized) struct MaliciousLeafTests {
    @Test func aLeafAnsweringNonsenseIsRefusedAndTheRootKeepsServing() async throws {
        try await RogueLeafProxy.withTenantLeaf { hub, evil in
            let rogue = try await RogueLeafProxy(leaf: evil, root: hub, answer: "HTTP/1.1 1000 Nope\r\n\r\n")
            rogue.start()
            do {
                let login = try await hub.loginAlice()
                #expect(login.status == 0, "\(login.stderr)")
                #expect(try await eventually { try await hub.tether(["clusters"]).stdout.contains(#/evil +leaf +online/#) })

                for (answer, problem) in [
                    ("HTTP/1.1 1000 Nope\r\nContent-Length: 0\r\n\r\n", "it is not a well-formed HTTP/1.1 answer: invalid HTTP status code"),
                    ("HTTP/1.1 OK\r\n\r\n", "it is not a well-formed HTTP/1.1 answer: invalid HTTP status code"),
                    ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: evil\r\n\r\n", "status 101 is not between 200 and 599"),
                    ("HTTP/1.1 200 OK\r\nContent-Type: application/json\u{1}\r\nContent-Length: 0\r\n\r\n",
                     "it is not a well-formed HTTP/1.1 answer: invalid character in header"),
                    ("HTTP/1.1 200 OK\r\nContent-Type: application/jsön\r\nContent-Length: 0\r\n\r\n", "its content type is not a valid HTTP field value"),
                    ("HTTP/1.1 200 OK\r\nContent-Length: 17000000\r\n\r\n[]", "its body is larger than 16777216 bytes"),
                    ("HTTP/1.1 204 No Content\r\nContent-Length: 2\r\n\r\n{}", "a status 204 answer carries a body"),
                    (#"{"status":200,"body":""}"#, "it is not a well-formed HTTP/1.1 answer: invalid constant string"),
                    ("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n[", "it is not a well-formed HTTP/1.1 answer: stream ended at an unexpected time"),
                ] {
                    rogue.answer.withLockedValue { $0 = answer }
                    let listing = try await hub.tether(["ls", "--cluster", "evil"])
                    #expect(listing.status != 0, "\(answer): \(listing.stdout)")
                    #expect(listing.stderr.contains("cluster evil answered with an invalid response (\(problem)"), "\(answer): \(listing.stderr)")
                    // The root is still up, for everyone.
                    let clusters = try await hub.tether(["clusters"])
                    #expect(clusters.status == 0, "\(answer): \(clusters.stderr)")
                }

                // tether config still covers the root, and says why evil is left out.
                rogue.answer.withLockedValue { $0 = "HTTP/1.1 600 Nope\r\nContent-Length: 0\r\n\r\n" }
                let config = try await hub.tether(["config"])
                #expect(config.status == 0, "\(config.stderr)")
                #expect(config.stdout.contains("# Tether cluster evil is left out: cluster evil answered with an invalid response (status 600 is not between 200 and 599)"), "\(config.stdout)")
                #expect(config.stdout.contains("Host *.hub"), "\(config.stdout)")
                #expect(!hub.log(of: "auth-proxy").contains("Fatal error"))
            } catch {
                await rogue.stop()
                throw error
            }
            await rogue.stop()
        }
    }

    /// acme is a leaf of hub and a root of its own tenants; one of them
    /// calls its cluster "hub" and registers it with acme, to have acme take
    /// its CAs for hub's and its users for hub's users.
    @Test func aLeafNamedLikeTheRootItsRootTrustsIsRefusedAndTheRootsUsersStillGetIn() async throws {
        try await FederationFixture().use { federation in
            let (hub, acme) = (federation.hub, federation.acme)
            #expect(try await hub.loginAlice().status == 0)
            #expect(try await eventually { try await hub.tether(["ls", "--cluster", "acme"]).stdout.contains("node-a") })

            try await ClusterFixture(cluster: "hub", roles: FederationFixture.hubRoles, users: [], nodes: []).use { impostor in
                let token = try await acme.admin.token("trusted_cluster")
                let trust = ClusterBootstrap.trustedCluster(
                    root: "acme", token: token, proxyAddress: "127.0.0.1:\(acme.proxyPort)", caPin: acme.caPin, roleMap: "- {remote: admin, local: [site-support]}")
                let created = try await impostor.tetherctl(["create", try impostor.directory.write(trust, to: "trusted-acme.yaml")])
                #expect(created.status != 0)
                #expect(created.stderr.contains("acme trusts a root cluster named hub, so a leaf may not take that name; rename the leaf cluster."), "\(created.stderr)")
            }
            #expect(try await federation.auditEvents(of: acme, type: "auth.failed").contains { ($0["reason"] as? String ?? "").contains("trusted cluster hub refused") })
            // hub's users are still verified against hub's own CAs at acme.
            let listing = try await hub.tether(["ls", "--cluster", "acme"])
            #expect(listing.status == 0 && listing.stdout.contains("node-a"), "\(listing.stderr)")
        }
    }
}
