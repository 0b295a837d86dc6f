import Foundation
import Testing
import TetherAPI
@testable import TetherAuth
import TetherCore
import TetherIdentity
import TetherStorage
import X509

@Suite struct LoginTests {
    @Test func loginCapsTheLifetimeAndCertifiesTheAllowedLogins() throws {
        let fixture = try Fixture()
        try fixture.addFieldTech(logins: ["alice", "root"])
        let keys = ClientKeys()
        let response = try fixture.core.login.login(keys.loginRequest(ttl: 8 * 3600), remoteAddress: "10.1.2.3")

        let certificate = try SSHCertificate(authorizedKeyLine: response.sshCertificate)
        #expect(certificate.principals == ["diagnostics", "alice", "root"])
        #expect(response.logins == certificate.principals)
        let now = UInt64(fixture.clock.now().timeIntervalSince1970)
        #expect(certificate.validBefore == now + 3600)
        #expect(certificate.publicKey == keys.ssh.publicKey)
        #expect(certificate.extensions["permit-pty"] != nil)
        #expect(certificate.extensions["permit-port-forwarding"] == nil)
        let identity = try TetherCertificateIdentity(certificate: certificate)
        #expect(identity.user == "alice" && identity.roles == ["field-tech"] && identity.cluster == Fixture.cluster)
        try SSHCertificateVerifier.user(principal: "root", trustedCAs: [fixture.core.authority.userCA.publicKey], clock: fixture.clock)
            .verify(certificate)

        let tls = try #require(try PEMCoding.certificates(fromPEM: response.tlsCertificate).first)
        let tlsIdentity = try TLSIdentity(certificate: tls)
        #expect(tlsIdentity == TLSIdentity(kind: .user, name: "alice", cluster: Fixture.cluster, roles: ["field-tech"]))

        let events = try fixture.core.store.search(AuditQuery(types: [AuthEvent.userLogin, AuthEvent.certCreate], user: "alice"))
        #expect(events.map(\.event.event) == [AuthEvent.userLogin, AuthEvent.certCreate])
        #expect(events[0].event.remoteAddr == "10.1.2.3")
    }

    @Test func aShorterRequestedLifetimeIsKept() throws {
        let fixture = try Fixture()
        try fixture.addFieldTech()
        let response = try fixture.core.login.login(ClientKeys().loginRequest(ttl: 600), remoteAddress: nil)
        #expect(response.expires == Int64(fixture.clock.now().timeIntervalSince1970) + 600)
    }

    @Test func unknownUserAndWrongPasswordGetTheSameAnswer() throws {
        let fixture = try Fixture()
        try fixture.addFieldTech()
        let unknown = try #require(throws: TetherError.self) {
            try fixture.core.login.login(ClientKeys().loginRequest(user: "mallory"), remoteAddress: nil)
        }
        let wrong = try #require(throws: TetherError.self) {
            try fixture.core.login.login(ClientKeys().loginRequest(password: "guess-guess"), remoteAddress: nil)
        }
        #expect(unknown == wrong)
        let failures = try fixture.core.store.search(AuditQuery(types: [AuthEvent.userLoginFailed]))
        #expect(failures.compactMap { $0.event.fields["reason"]?.stringValue } == ["unknown user or no password set", "wrong password"])
    }

    @Test func fiveFailuresLockTheUserForAMinute() throws {
        let fixture = try Fixture()
        try fixture.addFieldTech()
        let keys = ClientKeys()
        for _ in 0..<5 {
            #expect(throws: TetherError.self) { try fixture.core.login.login(keys.loginRequest(password: "wrong-password"), remoteAddress: nil) }
        }
        let locked = try #require(throws: TetherError.self) {
            try fixture.core.login.login(keys.loginRequest(), remoteAddress: nil)
        }
        #expect(locked.code == .accessDenied)
        #expect(try fixture.core.store.search(AuditQuery(types: [AuthEvent.userLoginLocked])).count == 1)
        let lastFailure = try #require(try fixture.core.store.search(AuditQuery(types: [AuthEvent.userLoginFailed], order: .newestFirst)).first)
        #expect(lastFailure.event.fields["reason"]?.stringValue?.hasPrefix("too many failed logins") == true)

        fixture.clock.advance(seconds: 61)
        #expect(try fixture.core.login.login(keys.loginRequest(), remoteAddress: nil).user == "alice")
    }

    @Test func secondFactorNeedsTheCurrentCode() throws {
        let fixture = try Fixture(secondFactor: .otp)
        try fixture.addFieldTech()
        let totp = try fixture.core.users.enrollTOTP("alice")
        let keys = ClientKeys()
        #expect(throws: TetherError.self) { try fixture.core.login.login(keys.loginRequest(), remoteAddress: nil) }
        #expect(throws: TetherError.self) { try fixture.core.login.login(keys.loginRequest(otp: "000000"), remoteAddress: nil) }
        let code = totp.code(at: fixture.clock.now())
        #expect(try fixture.core.login.login(keys.loginRequest(otp: code), remoteAddress: nil).user == "alice")
    }

    @Test func aOneTimeCodeWorksForOneLoginEvenAfterARestart() throws {
        let fixture = try Fixture(secondFactor: .otp)
        try fixture.addFieldTech()
        let totp = try fixture.core.users.enrollTOTP("alice")
        let keys = ClientKeys()
        let code = totp.code(at: fixture.clock.now())
        _ = try fixture.core.login.login(keys.loginRequest(otp: code), remoteAddress: nil)

        // The auth service restarted: the used step is on disk.
        let restarted = try AuthCore(cluster: Fixture.cluster, dataDirectory: fixture.directory.file("data"), secondFactor: .otp, passwordCost: testPasswordCost, clock: fixture.clock)
        let replay = try #require(throws: TetherError.self) {
            try restarted.login.login(keys.loginRequest(otp: code), remoteAddress: "10.6.6.6")
        }
        #expect(replay.message == "this one-time code was already used; wait for the next code from your authenticator and log in again.")
        let failure = try #require(try restarted.store.search(AuditQuery(types: [AuthEvent.userLoginFailed], order: .newestFirst)).first)
        #expect(failure.event.fields["reason"]?.stringValue == "one-time code already used")
        #expect(failure.event.remoteAddr == "10.6.6.6")
        // An older code still inside the drift window is no way around it.
        #expect(throws: TetherError.self) {
            try restarted.login.login(keys.loginRequest(otp: totp.code(at: fixture.clock.now().addingTimeInterval(-30))), remoteAddress: nil)
        }
        fixture.clock.advance(seconds: 30)
        #expect(try restarted.login.login(keys.loginRequest(otp: totp.code(at: fixture.clock.now())), remoteAddress: nil).user == "alice")
    }

    @Test func aPasswordHashedWithLessThanTodaysCostIsRehashedAtTheNextLogin() async throws {
        let fixture = try Fixture(passwordCost: .standard)
        try await offCooperativePool { try fixture.addFieldTech() }
        let credentials = CredentialStore(store: fixture.core.store)
        let old = try PasswordHash(hashing: Fixture.password, parameters: .init(costExponent: 15, blockSize: 8, parallelism: 1))
        try credentials.update("alice") { $0.passwordHash = old.encoded }

        _ = try await offCooperativePool { try fixture.core.login.login(ClientKeys().loginRequest(), remoteAddress: nil) }
        let stored = try PasswordHash(encoded: try #require(try credentials.credentials(of: "alice")?.passwordHash))
        #expect(stored.parameters == PasswordHash.Parameters.standard)
        #expect(stored.parameters.costExponent >= 17)
        #expect(try await offCooperativePool { stored.matches(Fixture.password) })
        _ = try await offCooperativePool { try fixture.core.login.login(ClientKeys().loginRequest(), remoteAddress: nil) }
        let logins = try fixture.core.store.search(AuditQuery(types: [AuthEvent.userLogin]))
        #expect(logins.map { $0.event.fields["password_rehashed"] } == [.bool(true), nil])
    }

    @Test func aLockedUserCannotLogIn() throws {
        let fixture = try Fixture()
        try fixture.addFieldTech()
        _ = try fixture.core.admin.lock(.user("alice"), ttl: .hours(1), message: "laptop stolen")
        let error = try #require(throws: TetherError.self) {
            try fixture.core.login.login(ClientKeys().loginRequest(), remoteAddress: nil)
        }
        #expect(error.message.contains("laptop stolen"))
        #expect(try fixture.core.store.search(AuditQuery(types: [AuthEvent.authFailed])).count == 1)
    }
}
