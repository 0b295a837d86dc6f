import Foundation
import TetherAPI
import TetherClient
import TetherCore
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
            #expect(config.contains("    UserKnownHostsFile \"\(store.knownHostsPath)\"\n"))
            #expect(config.contains("    StrictHostKeyChecking yes\n"))
            let knownHosts = try String(contentsOfFile: store.knownHostsPath, encoding: .utf8)
            let lines = knownHosts.split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines.first == "robot-17.acme \(fixture.node.hostKey.authorizedKeyLine)"[...])
        }
    }

    @Test func percentSignsInPathsAreEscapedForSSH() {
        let store = ProfileStore(directory: "/home/50%/.tether")
        let config = OpenSSHConfig.render(cluster: "acme", tetherPath: "/usr/bin/tether", store: store)
        #expect(config.contains("IdentityFile \"/home/50%%/.tether/keys/ssh_key\""))
        #expect(config.contains("TETHER_HOME='/home/50%%/.tether'"))
        #expect(config.contains(" %r@%h:%p"))
    }
}
