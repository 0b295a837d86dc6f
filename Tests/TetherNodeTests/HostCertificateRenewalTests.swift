import Foundation
import Logging
import NIOCore
import NIOPosix
import TetherAPI
import TetherAuth
import TetherCore
import TetherIdentity
@testable import TetherNode
import TetherTestSupport
import Testing

@Suite struct HostCertificateRenewalTests {
    private struct FixedClock: WallClock {
        let date: Date
        func now() -> Date { date }
    }

    @Test func aCertificateIsDueTwoThirdsIntoItsLife() {
        let start = Date(timeIntervalSince1970: 1_750_000_000)
        let validity = start...start.addingTimeInterval(90)
        #expect(!HostCertificateRenewal.isDue(validity, at: start.addingTimeInterval(59)))
        #expect(HostCertificateRenewal.isDue(validity, at: start.addingTimeInterval(60)))
        #expect(HostCertificateRenewal.isDue(validity, at: start.addingTimeInterval(120)))
    }

    @Test func aDueNodeRenewsWithItsClusterSavesAndCallsWithTheNewCertificate() async throws {
        try await withJoinedNode { auth, configuration, joined in
            let files = NodeFiles(directory: configuration.nodeDirectory)
            let credentials = try NodeCredentials(joined, server: configuration.apiServer)
            let api = try ClusterAPIClient(server: configuration.apiServer, identity: joined, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
            defer { Task { await api.shutdown() } }
            func renewal(daysFromNow days: Double) -> HostCertificateRenewal {
                HostCertificateRenewal(
                    credentials: credentials, api: api, files: files, addresses: ["127.0.0.1"],
                    clock: FixedClock(date: Date().addingTimeInterval(days * 86_400)), logger: Logger(label: "test.renewal"))
            }

            #expect(try await !renewal(daysFromNow: 30).renewIfDue())
            #expect(credentials.identity.tlsCertificatePEM == joined.tlsCertificatePEM)

            #expect(try await renewal(daysFromNow: 61).renewIfDue())
            let renewed = credentials.identity
            #expect(renewed.tlsCertificatePEM != joined.tlsCertificatePEM)
            #expect(renewed.tlsPrivateKeyPEM == joined.tlsPrivateKeyPEM)
            let saved = try #require(try NodeIdentity.load(from: files))
            #expect(saved.tlsCertificatePEM == renewed.tlsCertificatePEM)
            #expect(saved.sshHostCertificate == renewed.sshHostCertificate)
            try await api.heartbeat(Heartbeat(
                hostID: joined.record.hostID, name: "robot-17", labels: [:], tunnel: false, address: "127.0.0.1:3022",
                sshHostKey: joined.sshHostKey.publicKey.authorizedKeyLine(), ttlSeconds: 30))

            // Removed from its cluster: refused with the reason, and nothing changes.
            try auth.core.admin.remove(.node, name: "robot-17")
            let refused = await #expect(throws: TetherError.self) { try await renewal(daysFromNow: 61).renewIfDue() }
            #expect(refused?.message.contains("join it again with a new token") == true)
            #expect(credentials.identity.tlsCertificatePEM == renewed.tlsCertificatePEM)
        }
    }

    @Test func aNodeWhoseCertificatesRanOutSaysHowToJoinAgain() async throws {
        try await withJoinedNode { _, configuration, _ in
            let late = NodeService(configuration: configuration, clock: FixedClock(date: Date().addingTimeInterval(91 * 86_400)))
            let expired = await #expect(throws: TetherError.self) { try await late.run() }
            #expect(expired?.code == .expired)
            #expect(expired?.message.hasSuffix("remove \(configuration.nodeDirectory) and start it with a new join_token.") == true)
        }
    }
}
