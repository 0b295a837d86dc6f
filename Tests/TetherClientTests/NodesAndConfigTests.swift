import Foundation
import TetherAPI
import TetherClient
import TetherCore
import TetherIdentity
import Testing

@Suite struct NodesAndConfigTests {
    @Test func listingKeepsTheClusterAndLabelMatchesSortedByName() async throws {
        try await ClientFixture.with { fixture in
            try await fixture.logIn()
            let all = try await fixture.client.nodes(cluster: nil, labels: [:])
            #expect(all.map(\.name) == ["robot-17", "robot-18"])
            let acme = try await fixture.client.nodes(cluster: nil, labels: ["customer": "acme"])
            #expect(acme.map(\.name) == ["robot-17"])
            let none = try await fixture.client.nodes(cluster: nil, labels: ["customer": "acme", "region": "eu"])
            #expect(none.isEmpty)
            let other = try await fixture.client.nodes(cluster: "other", labels: [:])
            #expect(other.map(\.name) == ["elsewhere"])
            #expect(fixture.api.nodeQueries.withLockedValue { $0 } == ["acme", "acme", "acme", "other"])
        }
    }

    @Test func listingWithoutLoginSaysHowToLogIn() async throws {
        try await ClientFixture.with { fixture in
            let error = await #expect(throws: TetherError.self) { try await fixture.client.nodes(cluster: nil, labels: [:]) }
            #expect(error?.message.contains("tether login") == true)
        }
    }

    @Test func configRoutesClusterHostsThroughProxySSHAndPinsHostKeys() async throws {
        try await ClientFixture.with { fixture in
            try await fixture.logIn()
            let store = fixture.client.store

            let config = try await fixture.client.openSSHConfig(tetherPath: "/opt/tether bin/tether")

            #expect(config.contains("Host *.acme\n"))
            #expect(config.contains("    ProxyCommand env TETHER_HOME='\(store.directory)' '/opt/tether bin/tether' proxy ssh --cluster 'acme' %r@%h:%p\n"))
            #expect(config.contains("    IdentityFile \"\(store.sshKeyPath)\"\n"))
            #expect(config.contains("    CertificateFile \"\(store.sshCertificatePath)\"\n"))
            #expect(config.contains("    IdentitiesOnly yes\n"))
            #expect(config.contains("    UserKnownHostsFile \"\(store.knownHostsPath(cluster: "acme"))\"\n"))
            #expect(config.contains("    StrictHostKeyChecking yes\n"))
            let knownHosts = try String(contentsOfFile: store.knownHostsPath(cluster: "acme"), encoding: .utf8)
            let lines = knownHosts.split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines.first == "robot-17.acme \(fixture.node.hostKey.authorizedKeyLine)"[...])
        }
    }

    @Test func knownHostsHoldOnlyValidNamesAndExactlyOneKeyEach() {
        let key = SSHPrivateKey.generate(.ed25519).publicKey.authorizedKeyLine()
        let other = SSHPrivateKey.generate(.ed25519).publicKey.authorizedKeyLine()
        func node(_ name: String, _ hostKey: String, cluster: String = "leaf") -> NodeSummary {
            NodeSummary(name: name, hostID: "h", cluster: cluster, labels: [:], tunnel: true, online: true, lastSeen: "", sshHostKey: hostKey)
        }
        let text = OpenSSHConfig.knownHosts([
            node("db", key + " x\n@cert-authority *.root " + other),
            node("*", key), node("db,prod-db.root", key), node("@revoked", key),
            node("prod-db", "  " + key + " comment\n"),
            node("web", key, cluster: "root"),
        ], cluster: "leaf")
        #expect(text == "prod-db.leaf \(key)\n")
        // Each cluster has its own file, named so that no cluster name escapes the directory.
        let store = ProfileStore(directory: "/home/a/.tether")
        #expect(store.knownHostsPath(cluster: "leaf") == "/home/a/.tether/known_hosts.d/leaf")
        #expect(store.knownHostsPath(cluster: "../x") == "/home/a/.tether/known_hosts.d/%2E%2E%2Fx")
    }

    @Test func percentSignsInPathsAreEscapedForSSH() {
        let store = ProfileStore(directory: "/home/50%/.tether")
        let config = OpenSSHConfig.render(cluster: "acme", tetherPath: "/usr/bin/tether", store: store)
        #expect(config.contains("IdentityFile \"/home/50%%/.tether/keys/ssh_key\""))
        #expect(config.contains("TETHER_HOME='/home/50%%/.tether'"))
        #expect(config.contains(" %r@%h:%p"))
    }
}
