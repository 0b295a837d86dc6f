import Foundation
import TetherCore
@testable import TetherIdentity

/// Shared fixed instants and builders, so tests read as the behaviour they check.
enum Fixtures {
    /// 2026-11-23T10:00:00Z.
    static let issuedAt = Date(timeIntervalSince1970: 1_795_428_000)
    static let clock = FixedWallClock(issuedAt)

    static func clock(after seconds: TimeInterval) -> FixedWallClock {
        FixedWallClock(issuedAt.addingTimeInterval(seconds))
    }

    static let identity = TetherCertificateIdentity(
        user: "alice",
        cluster: "acme",
        roles: ["access", "ops"],
        traits: ["logins": ["root", "deploy"], "teams": ["edge"]]
    )

    static func userCertificate(
        ca: SSHPrivateKey,
        subject: SSHPublicKey,
        principals: [String] = ["root", "deploy"],
        ttl: TimeSpan = .hours(8),
        clock: any WallClock = Fixtures.clock
    ) throws -> SSHCertificate {
        try SSHCertificateAuthority(signingKey: ca, clock: clock)
            .issueUserCertificate(for: subject, identity: identity, principals: principals, ttl: ttl, serial: 42)
    }
}
