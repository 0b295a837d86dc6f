import Foundation
import Testing
import TetherCore
@testable import TetherIdentity

@Suite struct SSHCertificateVerificationTests {
    let caKey = SSHPrivateKey.generate(.ed25519)
    let userKey = SSHPrivateKey.generate(.ecdsaP256)

    func verifier(principal: String = "root", clock: any WallClock = Fixtures.clock, presentedKey: SSHPublicKey? = nil) -> SSHCertificateVerifier {
        .user(principal: principal, trustedCAs: [caKey.publicKey], clock: clock, presentedKey: presentedKey)
    }

    /// Signs `fields` after `change`, bypassing the authority's own guards.
    func certificate(_ change: (inout SSHCertificateFields) -> Void) throws -> SSHCertificate {
        var fields = SSHCertificateFields(
            publicKey: userKey.publicKey, serial: 1, type: .user, keyID: "alice", principals: ["root"],
            validAfter: UInt64(Fixtures.issuedAt.timeIntervalSince1970) - 60,
            validBefore: UInt64(Fixtures.issuedAt.timeIntervalSince1970) + 3600
        )
        change(&fields)
        return try fields.signed(by: caKey)
    }

    func failure(_ certificate: SSHCertificate, _ verifier: SSHCertificateVerifier) throws -> TetherError {
        try #require(throws: TetherError.self) { try verifier.verify(certificate) }
    }

    @Test func validCertificatePasses() throws {
        let certificate = try Fixtures.userCertificate(ca: caKey, subject: userKey.publicKey)
        try verifier(presentedKey: userKey.publicKey).verify(certificate)
        try verifier(principal: "deploy").verify(certificate)
    }

    @Test func expiredCertificateNamesTheInstant() throws {
        let certificate = try Fixtures.userCertificate(ca: caKey, subject: userKey.publicKey, ttl: .hours(8))
        let error = try failure(certificate, verifier(clock: Fixtures.clock(after: 8 * 3600)))
        #expect(error.code == .expired)
        #expect(error.message.contains("certificate expired at 2026-11-23T18:00:00Z"))
        try verifier(clock: Fixtures.clock(after: 8 * 3600 - 1)).verify(certificate)
    }

    @Test func notYetValidCertificateIsRefused() throws {
        let certificate = try Fixtures.userCertificate(ca: caKey, subject: userKey.publicKey)
        let error = try failure(certificate, verifier(clock: Fixtures.clock(after: -61)))
        #expect(error.code == .expired)
        #expect(error.message.contains("not valid before 2026-11-23T09:59:00Z"))
        try verifier(clock: Fixtures.clock(after: -60)).verify(certificate)
    }

    @Test func validBeforeForeverIsValidForever() throws {
        let certificate = try certificate { $0.validBefore = .max }
        let farFuture = FixedWallClock(Date(timeIntervalSince1970: 32_503_680_000))  // year 3000
        try verifier(clock: farFuture).verify(certificate)
    }

    @Test func timesBeyondInt64NeitherTrapNorPass() throws {
        let beyondInt64 = UInt64(Int64.max) + 1
        let future = try certificate {
            $0.validAfter = beyondInt64
            $0.validBefore = beyondInt64 + 10
        }
        let error = try failure(future, verifier())
        #expect(error.code == .expired)
        #expect(error.message.contains("\(beyondInt64) seconds after 1970"))

        let farAfter = try certificate { $0.validAfter = 253_402_300_800 }  // past the year 9999
        #expect(try failure(farAfter, verifier()).code == .expired)
    }

    @Test func certificateFromAnotherCAIsRefused() throws {
        let stranger = SSHPrivateKey.generate(.ed25519)
        let certificate = try Fixtures.userCertificate(ca: stranger, subject: userKey.publicKey)
        let error = try failure(certificate, verifier())
        #expect(error.code == .verificationFailed)
        #expect(error.message == "certificate was signed by a CA this cluster does not trust (\(stranger.publicKey.fingerprint)).")
    }

    @Test func hostCertificateCannotLogInAUser() throws {
        let certificate = try certificate { $0.type = .host }
        let error = try failure(certificate, verifier())
        #expect(error.code == .accessDenied)
        #expect(error.message.contains("host certificate where a user certificate is required"))
    }

    @Test func unlistedPrincipalIsRefused() throws {
        let certificate = try Fixtures.userCertificate(ca: caKey, subject: userKey.publicKey, principals: ["deploy"])
        let error = try failure(certificate, verifier(principal: "root"))
        #expect(error.code == .accessDenied)
        #expect(error.message.contains("not valid for \"root\""))
    }

    @Test func emptyPrincipalsMeanNobodyNotEverybody() throws {
        let certificate = try certificate { $0.principals = [] }
        let error = try failure(certificate, verifier())
        #expect(error.code == .accessDenied)
        #expect(error.message.contains("lists no principals"))
    }

    @Test func tamperedSignatureIsRefused() throws {
        var bytes = try Fixtures.userCertificate(ca: caKey, subject: userKey.publicKey).wireBlob
        bytes[bytes.count - 5] ^= 0x01
        let error = try failure(try SSHCertificate(wireBlob: bytes), verifier())
        #expect(error.code == .verificationFailed)
    }

    @Test func tamperedPrincipalIsRefused() throws {
        let original = try certificate { $0.principals = ["rooT"] }
        var bytes = original.wireBlob
        let index = try #require(bytes.firstRange(of: Array("rooT".utf8))?.upperBound)
        bytes[index - 1] = UInt8(ascii: "t")
        let tampered = try SSHCertificate(wireBlob: bytes)
        #expect(tampered.principals == ["root"])
        #expect(try failure(tampered, verifier()).code == .verificationFailed)
    }

    @Test func certificateForAnotherKeyIsRefused() throws {
        let certificate = try Fixtures.userCertificate(ca: caKey, subject: userKey.publicKey)
        let other = SSHPrivateKey.generate(.ecdsaP256).publicKey
        let error = try failure(certificate, verifier(presentedKey: other))
        #expect(error.code == .accessDenied)
        #expect(error.message.contains(other.fingerprint))
    }

    @Test func unknownCriticalOptionIsRefusedUnlessEnforced() throws {
        let certificate = try certificate { $0.criticalOptions = ["force-command": "/bin/date"] }
        let error = try failure(certificate, verifier())
        #expect(error.code == .accessDenied)
        #expect(error.message.contains("force-command"))
        try SSHCertificateVerifier.user(
            principal: "root", trustedCAs: [caKey.publicKey], clock: Fixtures.clock, enforcedCriticalOptions: ["force-command"]
        ).verify(certificate)
    }

    @Test func garbageIsMalformed() throws {
        for bytes in [[], [0, 0, 0, 3, 0x61, 0x62], Array(repeating: 0xFF, count: 64)] as [[UInt8]] {
            let error = try #require(throws: TetherError.self) { try SSHCertificate(wireBlob: bytes) }
            #expect([.malformed, .unsupported].contains(error.code))
        }
    }
}
