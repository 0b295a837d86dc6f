import Foundation
import TetherAPI
import TetherCore
import TetherIdentity
import TetherPolicy
import TetherStorage

/// Password (+ one-time code) logins that end in certificates for the
/// client's own keys.
public struct LoginService: Sendable {
    let authority: ClusterAuthority
    let resources: ClusterResources
    let credentials: CredentialStore
    let throttle: LoginThrottle
    let audit: AuditTrail
    let clock: any WallClock
    let secondFactor: SecondFactor
    let proxyPublicAddress: String?

    /// The one answer for an unknown user and a wrong password, so that
    /// logins do not reveal which user names exist.
    static let badCredentials = TetherError(.verificationFailed, "invalid user name, password or one-time code; check them and try again.")

    /// Hashed when the user does not exist, so that an unknown name costs
    /// as much time as a wrong password.
    private static let decoy = try? PasswordHash(hashing: "tether-decoy-password")

    public func login(_ request: LoginRequest, remoteAddress: String?) throws(TetherError) -> LoginResponse {
        let name = request.user
        if let until = throttle.lockedUntil(name) {
            let reason = "too many failed logins; locked out until \(EventTime.format(milliseconds: EventTime.milliseconds(until)))"
            try recordFailure(name, reason: reason, remoteAddress: remoteAddress, counts: false)
            throw TetherError(.accessDenied, "too many failed logins for \(name); wait a minute and try again.")
        }
        let user = try authenticate(request, remoteAddress: remoteAddress)
        throttle.recordSuccess(name)

        let checker = try resources.accessChecker(user: name, roleNames: user.spec.roles, traits: user.spec.traits, clock: clock)
        if let lock = try resources.activeLock(on: .user(name), at: clock.now()) {
            let reason = "user \(name) is locked by lock \"\(lock.name)\"" + (lock.spec.message.map { ": \($0)" } ?? "")
            try audit.refusal(reason, user: name, remoteAddress: remoteAddress)
            throw TetherError(.accessDenied, reason + ".")
        }
        let ttl = try sessionTTL(requested: request.ttlSeconds, maximum: checker.maxSessionTTL)
        let sshKey = try ClientPublicKeys.ssh(request.sshPublicKey)
        let tlsKey = try ClientPublicKeys.tls(request.tlsPublicKey)
        let logins = checker.allowedLogins
        let roles = user.spec.roles

        let identity = TetherCertificateIdentity(user: name, cluster: authority.cluster, roles: roles, traits: user.spec.traits)
        let sshCertificate = try authority.userCA.issueUserCertificate(
            for: sshKey, identity: identity, principals: checker.certificatePrincipals,
            ttl: ttl, permissions: checker.certificatePermissions
        )
        let tlsCertificate = try authority.tlsCA.issueClientCertificate(user: name, roles: roles, publicKey: tlsKey, ttl: ttl)

        try audit.record(AuthEvent.userLogin) { event in
            event.user = name
            event.roles = roles
            event.remoteAddr = remoteAddress
            event.fields["method"] = .string(secondFactor == .otp ? "password+otp" : "password")
        }
        try audit.record(AuthEvent.certCreate) { event in
            event.user = name
            event.roles = roles
            event.remoteAddr = remoteAddress
            event.fields["cert_type"] = .string("user")
            event.fields["logins"] = .array(logins.map(JSONValue.string))
            event.fields["ttl"] = .string(ttl.description)
            event.fields["ssh_fingerprint"] = .string(sshKey.fingerprint)
        }
        return LoginResponse(
            cluster: authority.cluster, user: name, roles: roles, logins: logins,
            sshCertificate: sshCertificate.authorizedKeyLine(),
            tlsCertificate: try PEMCoding.pem(of: tlsCertificate),
            expires: Int64(sshCertificate.fields.validBefore),
            clusterInfo: authority.clusterInfo(proxyPublicAddress: proxyPublicAddress)
        )
    }

    private func authenticate(_ request: LoginRequest, remoteAddress: String?) throws(TetherError) -> User {
        let name = request.user
        let stored = try credentials.credentials(of: name)
        guard let user = try resources.user(name), let encoded = stored?.passwordHash else {
            _ = Self.decoy?.matches(request.password)
            try recordFailure(name, reason: "unknown user or no password set", remoteAddress: remoteAddress)
            throw Self.badCredentials
        }
        guard try PasswordHash(encoded: encoded).matches(request.password) else {
            try recordFailure(name, reason: "wrong password", remoteAddress: remoteAddress)
            throw Self.badCredentials
        }
        if secondFactor == .otp {
            guard let secret = stored?.totpSecret else {
                try recordFailure(name, reason: "one-time password required but none enrolled", remoteAddress: remoteAddress)
                throw TetherError(.accessDenied, "this cluster requires a one-time code but \(name) has none enrolled; ask an administrator to enrol one.")
            }
            guard let code = request.otp, try TOTP(base32Secret: secret).verify(code, at: clock.now()) else {
                try recordFailure(name, reason: request.otp == nil ? "missing one-time code" : "wrong one-time code", remoteAddress: remoteAddress)
                throw Self.badCredentials
            }
        }
        return user
    }

    /// Audits a failed login and, if `counts`, feeds the throttle (auditing
    /// the lockout it may start).
    private func recordFailure(_ name: String, reason: String, remoteAddress: String?, counts: Bool = true) throws(TetherError) {
        try audit.record(AuthEvent.userLoginFailed) { event in
            event.user = name
            event.remoteAddr = remoteAddress
            event.fields["reason"] = .string(reason)
        }
        guard counts, let until = throttle.recordFailure(name) else { return }
        try audit.record(AuthEvent.userLoginLocked) { event in
            event.user = name
            event.remoteAddr = remoteAddress
            event.fields["reason"] = .string("\(throttle.policy.maximumFailures) failed logins")
            event.fields["locked_until"] = .string(EventTime.format(milliseconds: EventTime.milliseconds(until)))
        }
    }

    private func sessionTTL(requested: Int64?, maximum: TimeSpan) throws(TetherError) -> TimeSpan {
        guard let requested else { return maximum }
        guard requested > 0 else {
            throw TetherError(.invalidArgument, "the requested certificate lifetime must be positive, got \(requested) seconds.")
        }
        return TimeSpan(seconds: min(requested, maximum.seconds))
    }
}
