import Crypto
import TetherTestSupport
import Foundation
import TetherAPI
import TetherClient
import TetherCore
import TetherIdentity
import Testing

@Suite struct ProfileStoreTests {
    private func sampleIdentity() throws -> ClientIdentity {
        let cluster = try TestCluster()
        let sshKey = SSHPrivateKey.generate(.ed25519)
        let certificate = try cluster.sshUserCA.issueUserCertificate(
            for: sshKey.publicKey, identity: TetherCertificateIdentity(user: "alice", cluster: "acme", roles: ["access"]),
            principals: ["root"], ttl: .hours(1)
        )
        let tlsKey = P256.Signing.PrivateKey()
        let tlsCertificate = try cluster.tlsCA.issueClientCertificate(user: "alice", roles: ["access"], publicKey: tlsKey.publicKey, ttl: .hours(1))
        return ClientIdentity(
            profile: ClientProfile(proxyAddress: "127.0.0.1:3080", cluster: "acme", user: "alice", roles: ["access"],
                                   logins: ["root"], expires: 2_000_000_000, clusterInfo: cluster.info),
            sshKey: sshKey, sshCertificate: certificate.authorizedKeyLine(),
            tlsKey: tlsKey, tlsCertificate: try PEMCoding.pem(of: tlsCertificate)
        )
    }

    private func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func savedIdentityReadsBackWithPrivateModes() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let store = ProfileStore(directory: home.path("tether"))
        let identity = try sampleIdentity()

        try store.save(identity)
        let loaded = try store.load()

        #expect(loaded.profile == identity.profile)
        #expect(loaded.sshKey.publicKey == identity.sshKey.publicKey)
        #expect(loaded.sshCertificate == identity.sshCertificate)
        #expect(loaded.tlsKey.rawRepresentation == identity.tlsKey.rawRepresentation)
        #expect(loaded.tlsCertificate == identity.tlsCertificate)
        #expect(try mode(store.directory) == 0o700)
        #expect(try mode(store.keysDirectory) == 0o700)
        #expect(try mode(store.sshKeyPath) == 0o600)
        #expect(try mode(store.tlsKeyPath) == 0o600)
        #expect(try mode(store.profilePath) == 0o600)
        #expect(try SSHKeyFiles.readPublicKey(at: store.sshKeyPath + ".pub") == identity.sshKey.publicKey)
    }

    @Test func removeLeavesNothingToLoad() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let store = ProfileStore(directory: home.path("tether"))
        try store.save(try sampleIdentity())
        try store.saveKnownHosts("robot-17.acme ssh-ed25519 AAAA\n")

        try store.remove()

        #expect(!FileManager.default.fileExists(atPath: store.sshKeyPath))
        #expect(!FileManager.default.fileExists(atPath: store.knownHostsPath))
        let error = #expect(throws: TetherError.self) { try store.load() }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("tether login") == true)
    }

    @Test func homeComesFromTetherHomeThenHome() throws {
        #expect(try ProfileStore.defaultDirectory(environment: ["TETHER_HOME": "/x/t", "HOME": "/h"]) == "/x/t")
        #expect(try ProfileStore.defaultDirectory(environment: ["HOME": "/h"]) == "/h/.tether")
        #expect(throws: TetherError.self) { try ProfileStore.defaultDirectory(environment: [:]) }
    }

    @Test func expiredIdentityIsRefusedWithTheExpiryTime() throws {
        let identity = try sampleIdentity()
        let later = Date(timeIntervalSince1970: 2_000_000_001)
        let error = #expect(throws: TetherError.self) { try identity.requireUnexpired(at: later) }
        #expect(error?.code == .expired)
        #expect(error?.message == "your certificate expired at 2033-05-18T03:33:20Z; run tether login again.")
        #expect(throws: Never.self) { try identity.requireUnexpired(at: Date(timeIntervalSince1970: 1_999_999_999)) }
    }
}
