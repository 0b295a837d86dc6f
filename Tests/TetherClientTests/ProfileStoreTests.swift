import TetherTestSupport
import Foundation
import TetherClient
import TetherCore
import TetherIdentity
import Testing

@Suite struct ProfileStoreTests {
    private func sampleIdentity() throws -> ClientIdentity {
        try TestCluster().aliceIdentity()
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
        try store.saveKnownHosts(["acme": "robot-17.acme ssh-ed25519 AAAA\n"])

        try store.remove()

        #expect(!FileManager.default.fileExists(atPath: store.sshKeyPath))
        #expect(!FileManager.default.fileExists(atPath: store.knownHostsDirectory))
        let error = #expect(throws: TetherError.self) { try store.load() }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("tether login") == true)
    }

    @Test func homeComesFromTetherHomeThenHome() throws {
        #expect(try ProfileStore.defaultDirectory(environment: ["TETHER_HOME": "/x/t", "HOME": "/h"]) == "/x/t")
        #expect(try ProfileStore.defaultDirectory(environment: ["HOME": "/h"]) == "/h/.tether")
        #expect(throws: TetherError.self) { try ProfileStore.defaultDirectory(environment: [:]) }
    }

    @Test func expiredIdentityIsRefusedWithTheExpiryTimeAndTheLoginCommand() throws {
        let profile = try sampleIdentity().profile
        let later = Date(timeIntervalSince1970: 2_000_000_001)
        let error = #expect(throws: TetherError.self) { try profile.requireUnexpired(at: later) }
        #expect(error?.code == .expired)
        #expect(error?.message == "your certificate expired at 2033-05-18T03:33:20Z; log in again with tether login --proxy 127.0.0.1:3080 --user alice.")
        #expect(throws: Never.self) { try profile.requireUnexpired(at: Date(timeIntervalSince1970: 1_999_999_999)) }
    }

    @Test func aDamagedProfileNamesItsFileAndTheWayOut() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let store = ProfileStore(directory: home.path("tether"))
        try store.save(try sampleIdentity())
        try SecureFile.write("{\"proxy_address\": \"127.0.0.1:3080\", \"clus", to: store.profilePath, mode: 0o600)

        let expected = "\(store.profilePath) is damaged (it is not the profile tether login writes); log in again with tether login --proxy HOST:PORT --user NAME, or remove the file."
        let error = #expect(throws: TetherError.self) { try store.load() }
        #expect(error?.code == .malformed)
        #expect(error?.message == expected)
        #expect(throws: TetherError.self) { try store.loadProfile() }
    }

    @Test func missingKeysAskForALogin() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let store = ProfileStore(directory: home.path("tether"))
        try store.save(try sampleIdentity())

        try FileManager.default.removeItem(atPath: store.tlsKeyPath)
        let oneFile = #expect(throws: TetherError.self) { try store.load() }
        #expect(oneFile?.message == "\(store.tlsKeyPath) is missing from your profile; log in again with tether login --proxy 127.0.0.1:3080 --user alice.")

        try FileManager.default.removeItem(atPath: store.keysDirectory)
        let directory = #expect(throws: TetherError.self) { try store.load() }
        #expect(directory?.code == .notFound)
        #expect(directory?.message == "\(store.keysDirectory) is missing from your profile; log in again with tether login --proxy 127.0.0.1:3080 --user alice.")
    }
}
