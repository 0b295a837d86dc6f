import TetherTestSupport
import Foundation
import Testing
import TetherCore
@testable import TetherIdentity

/// Our user certificates against a real, stock sshd.
@Suite(.enabled(if: TestSSHD.isAvailable, "sshd or ssh is not installed (apt-get install openssh-server openssh-client)"))
struct SSHDLoginTests {
    let login = ProcessSupport.currentUserName

    func certificate(ca: SSHPrivateKey, for key: SSHPrivateKey, principals: [String]) throws -> SSHCertificate {
        // sshd checks validity on the real clock.
        try SSHCertificateAuthority(signingKey: ca, clock: SystemWallClock())
            .issueUserCertificate(for: key.publicKey, identity: Fixtures.identity, principals: principals, ttl: .minutes(5))
    }

    @Test(arguments: SSHCertificateTests.algorithmPairs)
    func sshdAcceptsOurUserCertificate(subject: SSHKeyAlgorithm, ca: SSHKeyAlgorithm) async throws {
        let caKey = SSHPrivateKey.generate(ca)
        let sshd = try await TestSSHD.start(trustedUserCA: caKey.publicKey)
        defer { sshd.stop() }
        let userKey = SSHPrivateKey.generate(subject)

        let result = try await sshd.ssh(login: login, key: userKey, certificate: try certificate(ca: caKey, for: userKey, principals: [login]), command: "echo ok")
        #expect(result.status == 0, "ssh failed: \(result.stderr)\nsshd log:\n\(sshd.log)")
        #expect(result.stdout == "ok\n")
        #expect(sshd.log.contains("ID alice@acme"))
    }

    @Test func sshdRefusesACertificateFromAnotherCA() async throws {
        let sshd = try await TestSSHD.start(trustedUserCA: SSHPrivateKey.generate(.ed25519).publicKey)
        defer { sshd.stop() }
        let userKey = SSHPrivateKey.generate(.ed25519)

        let result = try await sshd.ssh(login: login, key: userKey, certificate: try certificate(ca: .generate(.ed25519), for: userKey, principals: [login]), command: "echo ok")
        #expect(result.status != 0)
        #expect(!result.stdout.contains("ok"))
        #expect(result.stderr.contains("Permission denied"))
    }

    @Test func sshdRefusesACertificateForAnotherPrincipal() async throws {
        let caKey = SSHPrivateKey.generate(.ed25519)
        let sshd = try await TestSSHD.start(trustedUserCA: caKey.publicKey)
        defer { sshd.stop() }
        let userKey = SSHPrivateKey.generate(.ed25519)

        let result = try await sshd.ssh(login: login, key: userKey, certificate: try certificate(ca: caKey, for: userKey, principals: ["somebody-else"]), command: "echo ok")
        #expect(result.status != 0)
        #expect(!result.stdout.contains("ok"))
        #expect(result.stderr.contains("Permission denied"))
    }
}
