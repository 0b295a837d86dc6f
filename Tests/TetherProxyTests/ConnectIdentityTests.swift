import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import TetherAPI
import TetherCore
import TetherIdentity
import TetherProxy
import TetherTestSupport
import Testing

extension TestPKI {
    /// An SSH user certificate (authorized-keys line) for `user` of this
    /// PKI's cluster, as a login issues it with the TLS one.
    func sshCertificate(_ user: String, cluster: String? = nil) throws -> String {
        let authority = SSHCertificateAuthority(signingKey: .generate(.ed25519), clock: SystemWallClock())
        return try authority.issueUserCertificate(
            for: SSHPrivateKey.generate(.ed25519).publicKey,
            identity: TetherCertificateIdentity(user: user, cluster: cluster ?? ca.clusterName, roles: ["access"]),
            principals: ["root"], ttl: .hours(1)
        ).authorizedKeyLine()
    }
}

/// Issue 11 (low): the proxy routes and audits by the TLS certificate, the
/// node logs in by the SSH certificate the CONNECT carries: they must be the
/// same user's, or one user's connection would carry another's login.
@Suite struct ConnectIdentityTests {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let node = NodeRoute(name: "node-a", hostID: "host-1", labels: ["customer": "acme"], tunnel: true, address: nil)

    @Test func anSSHCertificateOfAnotherUserIsRefusedAndAudited() async throws {
        let pki = try TestPKI()
        let proxy = try await RunningProxy(pki: pki, routes: [node], group: group)
        defer { proxy.stop() }
        let cases = [
            (try pki.sshCertificate("bob"), "the SSH certificate of the CONNECT request is user bob of cluster test-cluster, but its TLS certificate is alice of cluster test-cluster; connect with the SSH and TLS certificates of one `tether login`."),
            (try pki.sshCertificate("alice", cluster: "other"), "the SSH certificate of the CONNECT request is user alice of cluster other, but its TLS certificate is alice of cluster test-cluster; connect with the SSH and TLS certificates of one `tether login`."),
        ]
        for (certificate, sentence) in cases {
            let alice = try await RawTLSClient(port: proxy.port, alpn: ALPN.ssh, credentials: try pki.user("alice"), trusting: pki.caPEM, group: group)
            try await alice.send("CONNECT node-a:0 HTTP/1.1\r\nTether-Certificate: \(certificate)\r\n\r\nSSH-2.0-test\r\n")
            #expect(await eventually { alice.text.contains("}") })
            #expect(alice.text.hasPrefix("HTTP/1.1 403"), "\(alice.text)")
            #expect(alice.text.contains(sentence), "\(alice.text)")
            #expect(proxy.events.contains(.nodeRefused(user: "alice", node: "node-a", reason: sentence, originCluster: nil, clientAddress: "127.0.0.1")))
        }
        let garbage = try await RawTLSClient(port: proxy.port, alpn: ALPN.ssh, credentials: try pki.user("alice"), trusting: pki.caPEM, group: group)
        try await garbage.send("CONNECT node-a:0 HTTP/1.1\r\nTether-Certificate: ssh-ed25519-cert AAAA\r\n\r\n")
        #expect(await eventually { garbage.text.contains("}") })
        #expect(garbage.text.hasPrefix("HTTP/1.1 400"), "\(garbage.text)")
        #expect(garbage.text.contains("the Tether-Certificate of the CONNECT request is no Tether SSH certificate"), "\(garbage.text)")
    }
}
