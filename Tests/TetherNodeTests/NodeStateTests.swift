import Foundation
import Glibc
import Testing
import TetherTestSupport
import TetherAPI
import TetherCore
import TetherIdentity
import TetherPolicy
@testable import TetherNode

@Suite struct NodeStateTests {
    @Test func identityRoundTripsWithPrivateFilePermissions() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let files = NodeFiles(directory: directory.path("node"))
        #expect(try NodeIdentity.load(from: files) == nil)
        let ca = SSHCertificateAuthority(signingKey: .generate(.ed25519), clock: SystemWallClock())
        let info = ClusterInfo(cluster: "acme", tlsCA: "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", tlsCAPin: "sha256:00",
                               sshUserCA: ca.publicKey.authorizedKeyLine() + "\n", sshHostCA: ca.publicKey.authorizedKeyLine(), proxyPublicAddress: nil)
        let identity = NodeIdentity(
            record: NodeIdentityRecord(hostID: "7d1c", nodeName: "robot-17", clusterInfo: info, tokenLabels: ["site": "dallas"]),
            sshHostKey: .generate(.ed25519), sshHostCertificate: "ssh-ed25519-cert-v01@openssh.com AAAA", tlsPrivateKeyPEM: "KEY", tlsCertificatePEM: "CERT"
        )
        try identity.save(to: files)

        let loaded = try #require(try NodeIdentity.load(from: files))
        #expect(loaded.record == identity.record)
        #expect(loaded.sshHostKey.publicKey == identity.sshHostKey.publicKey)
        #expect(try loaded.userCAKeys() == [ca.publicKey])
        #expect(mode(of: files.directory) == 0o700)
        #expect(mode(of: files.sshHostKey) == 0o600)
        #expect(mode(of: files.tlsKey) == 0o600)
        #expect(mode(of: files.identity) == 0o600)
    }

    @Test func accessPolicyIsCachedOnDiskForRestartsWithoutAuth() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.path("access-policy.json")
        let cache = try AccessPolicyCache(file: file)
        #expect(cache.policy == nil)
        try cache.update(try NodeFixture.snapshot(roles: [NodeFixture.role(name: "ops")]))

        let restarted = try AccessPolicyCache(file: file)
        #expect(restarted.policy?.roles["ops"] == NodeFixture.role(name: "ops"))
        #expect(mode(of: file) == 0o600)
    }

    @Test func labelsLayerTokenConfigurationAndCommands() {
        let labels = NodeLabels(configured: ["env": "dev", "customer": "acme"], fromToken: ["env": "prod", "site": "dallas"])
        labels.setCommandLabel("kernel", value: "6.1.0")
        #expect(labels.current == ["env": "dev", "customer": "acme", "site": "dallas", "kernel": "6.1.0"])
    }

    @Test func commandLabelsReadStandardOutputAndTimeOut() async throws {
        #expect(try await CommandOutput.run(["sh", "-c", "echo '  6.1.0 '; echo noise >&2"], timeout: .seconds(10)) == "6.1.0")
        let error = await #expect(throws: TetherError.self) {
            try await CommandOutput.run(["sleep", "30"], timeout: .milliseconds(200))  // a command that outlives its timeout
        }
        #expect(error?.message.contains("did not finish in time") == true)
        await #expect(throws: TetherError.self) { try await CommandOutput.run(["false"], timeout: .seconds(10)) }
    }

    @Test func unprivilegedNodesOnlyOfferTheirOwnLogin() throws {
        let own = try LocalAccount.lookup("root")
        let accounts = LoginAccounts(privileged: false, ownAccount: own)
        #expect(try accounts.resolve("root") == LoginAccounts.Resolved(account: own, switchUser: false))
        let error = #expect(throws: TetherError.self) { try accounts.resolve("daemon") }
        #expect(error?.message.contains("without root privileges") == true)
    }

    private func mode(of path: String) -> mode_t {
        var info = stat()
        stat(path, &info)
        return info.st_mode & 0o777
    }
}
