import Foundation
import Testing
import TetherAuth
import TetherCore
import TetherPolicy
import TetherStorage

@Suite struct AuthorityBootstrapTests {
    @Test func firstStartCreatesPrivateKeyFilesAndRecordsThem() throws {
        let fixture = try Fixture()
        let files = AuthorityFiles(dataDirectory: fixture.core.dataDirectory)
        for path in [files.sshUserCA, files.sshHostCA, files.tlsCAKey] {
            let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
            #expect(mode == 0o600, "\(path) has mode \(String(mode, radix: 8))")
        }
        let directoryMode = try #require(FileManager.default.attributesOfItem(atPath: files.directory)[.posixPermissions] as? Int)
        #expect(directoryMode == 0o700)

        let authorities = try fixture.core.resources.list(.certAuthority).map(\.name)
        #expect(authorities == ["host", "tls", "user"])
        let created = try fixture.core.store.search(AuditQuery(types: [AuthEvent.certCreate]))
        #expect(created.count == 3)
    }

    @Test func laterStartsLoadTheSameAuthority() throws {
        let fixture = try Fixture()
        let reopened = try AuthCore(cluster: Fixture.cluster, dataDirectory: fixture.core.dataDirectory, clock: fixture.clock)
        #expect(reopened.authority.userCA.publicKey == fixture.core.authority.userCA.publicKey)
        #expect(reopened.authority.hostCA.publicKey == fixture.core.authority.hostCA.publicKey)
        #expect(reopened.authority.tlsCA.pin == fixture.core.authority.tlsCA.pin)
        #expect(try reopened.store.search(AuditQuery(types: [AuthEvent.certCreate])).count == 3)
    }

    @Test func aDataDirectoryOfAnotherClusterIsRefused() throws {
        let fixture = try Fixture()
        #expect(throws: TetherError.self) {
            try AuthCore(cluster: "other", dataDirectory: fixture.core.dataDirectory, clock: fixture.clock)
        }
    }

    @Test func anIncompleteAuthorityIsRefusedNotReplaced() throws {
        let fixture = try Fixture()
        let files = AuthorityFiles(dataDirectory: fixture.core.dataDirectory)
        try FileManager.default.removeItem(atPath: files.sshHostCA)
        let error = try #require(throws: TetherError.self) {
            try AuthCore(cluster: Fixture.cluster, dataDirectory: fixture.core.dataDirectory, clock: fixture.clock)
        }
        #expect(error.message.contains("ssh_host_ca"))
    }
}
