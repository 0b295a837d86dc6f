import TetherTestSupport
import Foundation
import Testing
import TetherCore
@testable import TetherIdentity

@Suite struct SSHKeyTests {
    @Test(arguments: SSHKeyAlgorithm.allCases)
    func privateKeyFileRoundTrips(algorithm: SSHKeyAlgorithm) throws {
        let key = SSHPrivateKey.generate(algorithm)
        let text = key.openSSHFileText(comment: "alice@laptop")
        #expect(text.hasPrefix("-----BEGIN OPENSSH PRIVATE KEY-----\n"))
        #expect(text.hasSuffix("-----END OPENSSH PRIVATE KEY-----\n"))
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 70 })

        let (parsed, comment) = try SSHPrivateKey.parseOpenSSHFile(text)
        #expect(parsed.publicKey == key.publicKey)
        #expect(comment == "alice@laptop")
        let signature = try parsed.sign(Array("data".utf8))
        #expect(key.publicKey.isValidSignature(signature, for: Array("data".utf8)))
    }

    @Test(arguments: SSHKeyAlgorithm.allCases)
    func publicKeyLineRoundTrips(algorithm: SSHKeyAlgorithm) throws {
        let key = SSHPrivateKey.generate(algorithm).publicKey
        let line = key.authorizedKeyLine(comment: "alice laptop")
        #expect(line.hasPrefix(algorithm.sshName + " AAAA"))
        #expect(line.hasSuffix(" alice laptop"))
        #expect(try SSHPublicKey(authorizedKeyLine: line) == key)
        #expect(try SSHPublicKey(wireBlob: key.wireBlob) == key)
    }

    @Test func fingerprintIsUnpaddedBase64OfSHA256() {
        let key = SSHPrivateKey.generate(.ed25519).publicKey
        #expect(key.fingerprint.hasPrefix("SHA256:"))
        #expect(key.fingerprint.count == "SHA256:".count + 43)
        #expect(!key.fingerprint.contains("="))
    }

    @Test func signaturesDoNotVerifyUnderOtherKeysOrData() throws {
        let key = SSHPrivateKey.generate(.ecdsaP256)
        let signature = try key.sign(Array("data".utf8))
        #expect(try SSHSignature(wireBlob: signature.wireBlob) == signature)
        #expect(!key.publicKey.isValidSignature(signature, for: Array("date".utf8)))
        #expect(!SSHPrivateKey.generate(.ecdsaP256).publicKey.isValidSignature(signature, for: Array("data".utf8)))
        #expect(!SSHPrivateKey.generate(.ed25519).publicKey.isValidSignature(signature, for: Array("data".utf8)))
    }

    @Test func keyFilesAreCreatedOwnerOnly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("id_ed25519")
        let key = SSHPrivateKey.generate(.ed25519)
        try SSHKeyFiles.writePrivateKey(key, to: path, comment: "c")
        try SSHKeyFiles.writePrivateKey(key, to: path, comment: "c")  // replaces cleanly

        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try SSHKeyFiles.readPrivateKey(at: path).publicKey == key.publicKey)
        #expect(try SSHKeyFiles.readPublicKey(at: path + ".pub") == key.publicKey)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.url.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test func damagedKeyFilesAreMalformedNotFatal() {
        let text = SSHPrivateKey.generate(.ed25519).openSSHFileText()
        var lines = text.split(separator: "\n").map(String.init)
        lines[2] = String(lines[2].reversed())
        #expect(throws: TetherError.self) { try SSHPrivateKey(openSSHFileText: lines.joined(separator: "\n")) }
        #expect(throws: TetherError.self) { try SSHPrivateKey(openSSHFileText: "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----") }
    }
}
