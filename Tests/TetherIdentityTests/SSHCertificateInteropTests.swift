import TetherTestSupport
import Foundation
import Testing
import TetherCore
@testable import TetherIdentity

/// Our certificates against the real `ssh-keygen`, both ways.
@Suite(.enabled(if: SSHKeygen.isAvailable, "ssh-keygen is not installed (apt-get install openssh-client)"))
struct SSHCertificateInteropTests {
    @Test(arguments: SSHCertificateTests.algorithmPairs)
    func sshKeygenListsOurUserCertificates(subject: SSHKeyAlgorithm, ca: SSHKeyAlgorithm) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let certificate = try Fixtures.userCertificate(ca: .generate(ca), subject: SSHPrivateKey.generate(subject).publicKey)
        let path = try directory.write(certificate.authorizedKeyLine() + "\n", to: "key-cert.pub")

        let listing = try SSHKeygen.run(["-L", "-f", path], in: directory)
        #expect(listing.contains("Type: \(subject.certificateTypeName) user certificate"))
        #expect(listing.contains("Signing CA: \(ca == .ed25519 ? "ED25519" : "ECDSA") \(certificate.signatureKey.fingerprint)"))
        #expect(listing.contains("Key ID: \"alice@acme\""))
        #expect(listing.contains("Serial: 42"))
        #expect(listing.contains("Valid: from "))  // shown in local time
        for expected in ["root", "deploy", "permit-pty", "permit-port-forwarding", "tether-user@tether", "tether-roles@tether"] {
            #expect(listing.contains(expected), "ssh-keygen -L does not show \(expected):\n\(listing)")
        }
    }

    @Test(arguments: SSHKeyAlgorithm.allCases)
    func sshKeygenListsOurHostCertificates(ca: SSHKeyAlgorithm) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let authority = SSHCertificateAuthority(signingKey: .generate(ca), clock: Fixtures.clock)
        let certificate = try authority.issueHostCertificate(
            for: SSHPrivateKey.generate(.ed25519).publicKey, hostID: "node-7", principals: ["node-7.acme"], ttl: .hours(1)
        )
        let path = try directory.write(certificate.authorizedKeyLine() + "\n", to: "host-cert.pub")

        let listing = try SSHKeygen.run(["-L", "-f", path], in: directory)
        #expect(listing.contains("host certificate"))
        #expect(listing.contains("node-7.acme"))
    }

    @Test(arguments: [("ed25519", [String]()), ("ecdsa", ["-b", "256"])])
    func certificatesSignedBySshKeygenVerify(caType: String, extra: [String]) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let caPath = directory.path("ca")
        let keyPath = directory.path("user")
        try SSHKeygen.run(["-q", "-t", caType] + extra + ["-N", "", "-f", caPath], in: directory)
        try SSHKeygen.run(["-q", "-t", "ed25519", "-N", "", "-f", keyPath], in: directory)
        try SSHKeygen.run(["-q", "-s", caPath, "-I", "id", "-n", "alice", "-V", "+1h", "-z", "7", keyPath + ".pub"], in: directory)

        let certificate = try SSHCertificate(authorizedKeyLine: try directory.read("user-cert.pub"))
        #expect(certificate.keyID == "id")
        #expect(certificate.serial == 7)
        #expect(certificate.principals == ["alice"])
        #expect(certificate.extensions["permit-pty"] == "")
        // A minute into the window on the real clock, which ssh-keygen used.
        let verifier = SSHCertificateVerifier.user(
            principal: "alice",
            trustedCAs: [try SSHKeyFiles.readPublicKey(at: caPath + ".pub")],
            clock: FixedWallClock(Date().addingTimeInterval(60)),
            presentedKey: try SSHKeyFiles.readPublicKey(at: keyPath + ".pub")
        )
        try verifier.verify(certificate)
        // Our serializer reproduces ssh-keygen's bytes exactly.
        #expect(try certificate.fields.signed(by: try SSHKeyFiles.readPrivateKey(at: caPath)).signedBytes == certificate.signedBytes)
    }

    @Test func sshKeygenForeverCertificateIsValidForever() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try SSHKeygen.run(["-q", "-t", "ed25519", "-N", "", "-f", directory.path("ca")], in: directory)
        try SSHKeygen.run(["-q", "-t", "ed25519", "-N", "", "-f", directory.path("user")], in: directory)
        try SSHKeygen.run(["-q", "-s", directory.path("ca"), "-I", "id", "-n", "alice", directory.path("user.pub")], in: directory)

        let certificate = try SSHCertificate(authorizedKeyLine: try directory.read("user-cert.pub"))
        #expect(certificate.validAfter == 0)
        #expect(certificate.validBefore == .max)
        try SSHCertificateVerifier.user(
            principal: "alice", trustedCAs: [try SSHKeyFiles.readPublicKey(at: directory.path("ca.pub"))],
            clock: FixedWallClock(Date(timeIntervalSince1970: 32_503_680_000))
        ).verify(certificate)
    }
}
