import Foundation
import Testing
import TetherIdentity
import TetherTestSupport

/// A malicious tenant leaf lists nodes whose names and host keys are made to
/// write known_hosts lines of its choosing: a certificate authority trusted
/// for the root's hosts, a key pinned for another cluster's node.
@Suite(.serialized) struct KnownHostsInjectionTests {
    @Test func aLeafCannotPinKeysForAnotherClustersHostsThroughTetherConfig() async throws {
        try await RogueLeafProxy.withTenantLeaf { hub, evil in

            let evilKey = SSHPrivateKey.generate(.ed25519).publicKey.authorizedKeyLine()
            let honestKey = SSHPrivateKey.generate(.ed25519).publicKey.authorizedKeyLine()
            func node(_ name: String, _ key: String) -> [String: Any] {
                ["name": name, "host_id": "h-\(name.count)", "cluster": "evil", "labels": [String: String](), "tunnel": true,
                 "online": true, "last_seen": "2026-01-01T00:00:00Z", "ssh_host_key": key]
            }
            let listing = try JSONSerialization.data(withJSONObject: [
                node("db", honestKey + " x\n@cert-authority *.hub " + evilKey),
                node("robot-1.hub,web", evilKey),
                node("*", evilKey),
                node("web", honestKey),
            ])
            let answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(listing.count)\r\n\r\n"
                + String(decoding: listing, as: UTF8.self)
            let rogue = try await RogueLeafProxy(leaf: evil, root: hub, answer: answer)
            rogue.start()
            do {
                #expect(try await hub.loginAlice().status == 0)
                #expect(try await eventually { try await hub.tether(["clusters"]).stdout.contains(#/evil +leaf +online/#) })
                let config = try await hub.tether(["config"])
                #expect(config.status == 0, "\(config.stderr)")

                let profile = hub.home(of: "alice") + "/known_hosts.d/"
                let hubHosts = (try? String(contentsOfFile: profile + "hub", encoding: .utf8)) ?? ""
                let evilHosts = try String(contentsOfFile: profile + "evil", encoding: .utf8)
                #expect(!hubHosts.contains(evilKey.split(separator: " ")[1]), "\(hubHosts)")
                // Only evil's well-formed node, with its one key, reaches evil's own file.
                #expect(evilHosts == "web.evil \(honestKey)\n", "\(evilHosts)")
                #expect(config.stdout.contains("UserKnownHostsFile \"\(profile)evil\""), "\(config.stdout)")
                #expect(config.stdout.contains("UserKnownHostsFile \"\(profile)hub\""), "\(config.stdout)")
            } catch {
                await rogue.stop()
                throw error
            }
            await rogue.stop()
        }
    }
}
