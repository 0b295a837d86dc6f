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
    /// What new hashes cost; weaker stored ones are re-hashed at login.
    let passwordCost: PasswordHash.Parameters

    /// The one answer for an unknown user and a wrong password, so that
    /// logins do not reveal which user names exist.
    static let badCredentials = TetherError(.verificationFailed, "invalid user name, password or one-time code; check them and try again.")

    /// Salt of the hash derived when the user does not exist, so that an
    /// unknown name costs as much time as a wrong password.
    private static let decoySalt = "tether-decoy-salt"

    static let codeReused = TetherError(.accessDenied, "this one-time code was already used; wait for the next code from your authenticator and log in again.")

    /// Serializes this process's read-check-write of credentials during
    /// logins (the used TOTP step, a re-hashed password).
    private static let credentialWrites = NSLock()

    public func login(_ request: LoginRequest, remoteAddress: String?) throws(TetherError) -> LoginResponse {
        let name = request.user
        try refuseIfLockedOut(name, remoteAddress: remoteAddress)
        let (user, rehashed) = try authenticate(request, remoteAddress: remoteAddress)
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
            if rehashed { event.fields["password_rehashed"] = .bool(true) }
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

    /// Refuses (and audits) a login by a user, or from an address, locked
    /// out by failed logins: cheap, so it comes before any password is hashed.
    public func refuseIfLockedOut(_ name: String, remoteAddress: String?) throws(TetherError) {
        guard let (subject, until) = throttle.lockout(user: name, address: remoteAddress) else { return }
        let time = EventTime.format(milliseconds: EventTime.milliseconds(until))
        switch subject {
        case .user:
            try recordFailure(name, reason: "too many failed logins; locked out until \(time)", remoteAddress: remoteAddress, counts: false)
            throw TetherError(.accessDenied, "too many failed logins for \(name); wait a minute and try again.")
        case .address(let address):
            try recordFailure(name, reason: "too many failed logins from \(address); locked out until \(time)", remoteAddress: remoteAddress, counts: false)
            throw TetherError(.accessDenied, "too many failed logins from your address \(address); wait a minute and try again.")
        }
    }

    /// The user, and whether their password hash was just raised to today's cost.
    private func authenticate(_ request: LoginRequest, remoteAddress: String?) throws(TetherError) -> (User, rehashed: Bool) {
        let name = request.user
        let stored = try credentials.credentials(of: name)
        guard let user = try resources.user(name), let encoded = stored?.passwordHash else {
            PasswordHash.spendTime(deriving: request.password, salt: Self.decoySalt, passwordCost)
            try recordFailure(name, reason: "unknown user or no password set", remoteAddress: remoteAddress)
            throw Self.badCredentials
        }
        let hash = try PasswordHash(encoded: encoded)
        guard hash.matches(request.password) else {
            try recordFailure(name, reason: "wrong password", remoteAddress: remoteAddress)
            throw Self.badCredentials
        }
        if secondFactor == .otp {
            guard let secret = stored?.totpSecret else {
                try recordFailure(name, reason: "one-time password required but none enrolled", remoteAddress: remoteAddress)
                throw TetherError(.accessDenied, "this cluster requires a one-time code but \(name) has none enrolled; ask an administrator to enrol one.")
            }
            guard let code = request.otp, let step = try TOTP(base32Secret: secret).matchingStep(code, at: clock.now()) else {
                try recordFailure(name, reason: request.otp == nil ? "missing one-time code" : "wrong one-time code", remoteAddress: remoteAddress)
                throw Self.badCredentials
            }
            do {
                try useOnce(step, of: name)
            } catch where error == Self.codeReused {
                try recordFailure(name, reason: "one-time code already used", remoteAddress: remoteAddress)
                throw error
            }
        }
        return (user, try strengthen(hash, of: name, password: request.password))
    }

    /// Records that `name` logged in with the code of TOTP `step`; a step at
    /// or before the last one used is a replay (`codeReused`).
    private func useOnce(_ step: Int64, of name: String) throws(TetherError) {
        Self.credentialWrites.lock()
        defer { Self.credentialWrites.unlock() }
        try credentials.update(name) { stored throws(TetherError) in
            if let last = stored.totpLastStep, step <= last { throw Self.codeReused }
            stored.totpLastStep = step
        }
    }

    /// Re-hashes a password stored with less than today's cost, now that
    /// the user gave it; returns whether it did. Runs where the login runs:
    /// on NIO's thread pool, never on an event loop.
    private func strengthen(_ hash: PasswordHash, of name: String, password: String) throws(TetherError) -> Bool {
        guard hash.parameters.isWeaker(than: passwordCost) else { return false }
        let stronger = try PasswordHash(hashing: password, parameters: passwordCost)
        let verified = hash.encoded
        Self.credentialWrites.lock()
        defer { Self.credentialWrites.unlock() }
        try credentials.update(name) { stored in
            // A password an administrator set meanwhile stays.
            if stored.passwordHash == verified { stored.passwordHash = stronger.encoded }
        }
        return true
    }

    /// Audits a failed login and, if `counts`, feeds the throttle (auditing
    /// the lockout it may start).
    private func recordFailure(_ name: String, reason: String, remoteAddress: String?, counts: Bool = true) throws(TetherError) {
        try audit.record(AuthEvent.userLoginFailed) { event in
            event.user = name
            event.remoteAddr = remoteAddress
            event.fields["reason"] = .string(reason)
        }
        guard counts else { return }
        for (subject, until) in throttle.recordFailure(user: name, address: remoteAddress) {
            try audit.record(AuthEvent.userLoginLocked) { event in
                event.user = name
                event.remoteAddr = remoteAddress
                switch subject {
                case .user: event.fields["reason"] = .string("\(throttle.maximumFailures(of: subject)) failed logins")
                case .address(let address):
                    event.fields["reason"] = .string("\(throttle.maximumFailures(of: subject)) failed logins from \(address)")
                    event.fields["locked_address"] = .string(address)
                }
                event.fields["locked_until"] = .string(EventTime.format(milliseconds: EventTime.milliseconds(until)))
            }
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
