import Foundation
import Testing
import TetherCore
import TetherIdentity
import TetherPolicy
import TetherStorage
@testable import TetherNode

/// Every way a login is refused: the user learns why (where SSH allows),
/// and the spool holds an `auth.failed` event naming the reason.
@Suite struct SSHDenialTests {
    enum Denial: String, CaseIterable, Sendable {
        case loginNotInCertificate, labelsNotAllowed, labelsDenied, expired, otherClustersCA, keyMismatch, userLocked, missingCertificate

        /// Refused when the stream arrives (before SSH), rather than at SSH
        /// user auth: so the user reads why (a lock's message included).
        var refusedAtStream: Bool { [.expired, .otherClustersCA, .missingCertificate, .userLocked].contains(self) }

        var reasonFragment: String {
            switch self {
            case .loginNotInCertificate: "not valid for \"daemon\""
            case .labelsNotAllowed: "no role of alice allows login \"root\" on node robot-17"
            case .labelsDenied: "role \"ops\" denies nodes labelled env=dev"
            case .expired: "certificate expired"
            case .otherClustersCA: "signed by a CA this cluster does not trust"
            case .keyMismatch: "but the connection proved key"
            case .userLocked: "user alice is locked by lock \"incident-42\": stolen laptop"
            case .missingCertificate: "no certificate came with the connection"
            }
        }
    }

    @Test(arguments: Denial.allCases)
    func refusalIsAuditedWithItsReason(_ denial: Denial) async throws {
        let past = Date().addingTimeInterval(-3 * 86_400)
        let node = try await NodeFixture(
            roles: [
                denial == .labelsNotAllowed ? NodeFixture.role(nodeLabels: ["env": ["prod"]])
                    : denial == .labelsDenied ? NodeFixture.role(nodeLabels: ["*": ["*"]], denyLabels: ["env": ["dev"]])
                    : NodeFixture.role(),
            ],
            locks: denial == .userLocked ? [TetherPolicy.Lock(name: "incident-42", spec: LockSpec(target: .user("alice"), message: "stolen laptop"))] : []
        )
        var issued = try node.issue()
        var login = "root"
        switch denial {
        case .loginNotInCertificate: login = "daemon"
        case .expired: issued = try node.issue(by: SSHCertificateAuthority(signingKey: node.userCA.signingKey, clock: FixedWallClock(past)))
        case .otherClustersCA: issued = try node.issue(by: SSHCertificateAuthority(signingKey: .generate(.ed25519), clock: SystemWallClock()))
        case .keyMismatch: issued.key = .generate(.ed25519)
        default: break
        }
        let certificate = denial == .missingCertificate ? nil : issued.certificate

        if denial.refusedAtStream {
            let error = await #expect(throws: TetherError.self) {
                _ = try await node.connect(login: login, key: issued.key, certificate: certificate)
            }
            #expect(error?.message.contains(denial.reasonFragment) == true, "\(error?.message ?? "")")
        } else {
            let connection = try await node.connect(login: login, key: issued.key, certificate: certificate)
            await #expect(throws: (any Error).self) { _ = try await connection.openSession() }
            await connection.close()
        }

        let failures = try await node.events(NodeAuditor.EventType.authFailed)
        let failure = try #require(failures.first)
        #expect(failures.count == 1)
        let reason = failure.fields["reason"]?.stringValue ?? ""
        #expect(reason.contains(denial.reasonFragment), "\(reason)")
        #expect(failure.node == NodeFixture.nodeName)
        #expect(failure.nodeLabels == ["env": "dev", "customer": "acme"])
        #expect(failure.remoteAddr == "203.0.113.7:51515")
        if denial != .missingCertificate { #expect(failure.user == "alice") }
        if !denial.refusedAtStream { #expect(failure.login == login) }
        #expect(try await node.events(NodeAuditor.EventType.sessionStart).isEmpty)
        await node.shutdown()
    }
}
