import Foundation
import Testing
@testable import TetherAuth
import TetherCore

@Suite struct CredentialTests {
    @Test func scryptHashesAtTheDefaultCost() async throws {
        let started = ContinuousClock.now
        let hash = try await offCooperativePool { try PasswordHash(hashing: "s3cret-password") }
        print("scrypt N=2^17 r=8 p=1: \(ContinuousClock.now - started) per hash")
        #expect(try PasswordHash(encoded: hash.encoded).parameters == .standard)
        #expect(hash.encoded.hasPrefix("scrypt$17$8$1$"))
    }

    @Test func scryptHashVerifiesTheRightPasswordOnly() throws {
        let stored = try PasswordHash(encoded: try PasswordHash(hashing: "s3cret-password", parameters: testPasswordCost).encoded)
        #expect(stored.matches("s3cret-password"))
        #expect(!stored.matches("s3cret-passworD"))
    }

    @Test func twoHashesOfOnePasswordDifferBySalt() throws {
        #expect(try PasswordHash(hashing: "same", parameters: testPasswordCost).encoded
            != PasswordHash(hashing: "same", parameters: testPasswordCost).encoded)
    }

    @Test(arguments: ["", "scrypt$15$8$1$AAAA", "scrypt$40$8$1$c2FsdA==$" + Data(count: 32).base64EncodedString(), "bcrypt$x"])
    func damagedOrAbusiveStoredHashesAreRefused(_ text: String) {
        #expect(throws: TetherError.self) { try PasswordHash(encoded: text) }
    }

    /// RFC 6238 appendix B, SHA-1, eight digits.
    @Test(arguments: [(59, "94287082"), (1_111_111_109, "07081804"), (1_234_567_890, "89005924"), (2_000_000_000, "69279037")])
    func totpMatchesRFC6238Vectors(seconds: Int, code: String) {
        let totp = TOTP(secret: Array("12345678901234567890".utf8), digits: 8)
        #expect(totp.code(at: Date(timeIntervalSince1970: Double(seconds))) == code)
    }

    @Test func totpAcceptsOneStepOfDriftAndNoMore() {
        let totp = TOTP.generate()
        let now = Date(timeIntervalSince1970: 1_750_000_000)
        let code = totp.code(at: now)
        let step = Int64(1_750_000_000 / 30)
        #expect(totp.matchingStep(code, at: now) == step)
        #expect(totp.matchingStep(code, at: now.addingTimeInterval(30)) == step)
        #expect(totp.matchingStep(code, at: now.addingTimeInterval(-30)) == step)
        #expect(totp.matchingStep(code, at: now.addingTimeInterval(90)) == nil)
        #expect(totp.matchingStep("12345", at: now) == nil)
    }

    @Test func base32RoundTrips() throws {
        let totp = TOTP.generate()
        #expect(try TOTP(base32Secret: totp.base32Secret).secret == totp.secret)
        #expect(Base32.encode(Array("foobar".utf8)) == "MZXW6YTBOI")
    }
}
