import TetherTestSupport
import Foundation
import Testing
import TetherCore
@testable import TetherIdentity

/// Our key files against the real `ssh-keygen`, both ways.
@Suite(.enabled(if: SSHKeygen.isAvailable, "ssh-keygen is not installed (apt-get install openssh-client)"))
struct OpenSSHKeyInteropTests {
    @Test(arguments: SSHKeyAlgorithm.allCases)
    func sshKeygenReadsOurPrivateKeyFiles(algorithm: SSHKeyAlgorithm) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = SSHPrivateKey.generate(algorithm)
        let path = directory.path("key")
        try SSHKeyFiles.writePrivateKey(key, to: path, comment: "tether")

        let derived = try SSHKeygen.run(["-y", "-f", path], in: directory)
        #expect(try SSHPublicKey(authorizedKeyLine: derived) == key.publicKey)
        let fingerprint = try SSHKeygen.run(["-l", "-f", path + ".pub"], in: directory)
        #expect(fingerprint.contains(key.publicKey.fingerprint))
    }

    @Test(arguments: [("ed25519", [String]()), ("ecdsa", ["-b", "256"])])
    func weReadKeysSshKeygenGenerated(type: String, extra: [String]) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("key")
        try SSHKeygen.run(["-q", "-t", type] + extra + ["-N", "", "-C", "made by ssh-keygen", "-f", path], in: directory)

        let (key, comment) = try SSHPrivateKey.parseOpenSSHFile(try directory.read("key"))
        #expect(comment == "made by ssh-keygen")
        #expect(key.publicKey == (try SSHKeyFiles.readPublicKey(at: path + ".pub")))
    }

    @Test func passphraseProtectedKeysAreUnsupported() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("key")
        try SSHKeygen.run(["-q", "-t", "ed25519", "-N", "secret passphrase", "-f", path], in: directory)

        let error = try #require(throws: TetherError.self) { try SSHKeyFiles.readPrivateKey(at: path) }
        #expect(error.code == .unsupported)
        #expect(error.message.contains("passphrase"))
    }
}
