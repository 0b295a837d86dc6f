import TetherCore
import TetherIdentity
import TetherPolicy

/// A login the node admitted: who, as which local account, with what rights.
public struct Admission: Sendable {
    public var identity: TetherCertificateIdentity
    public var login: String
    public var account: LoginAccounts.Resolved
    public var permitPTY: Bool
    public var permitPortForwarding: Bool
}

/// A refused login, with whatever is known about who tried (for the audit).
public struct LoginDenial: Error, Sendable {
    public var error: TetherError
    public var identity: TetherCertificateIdentity?
    public var login: String?
}

/// Decides logins from the certificate the proxy delivered with the stream:
/// it must come from this cluster's user CA, be a valid user certificate,
/// list the login, and certify exactly the key the SSH handshake proved;
/// then the roles it names (resolved from the cached policy), its traits and
/// the locks decide whether this login on this node is allowed.
public struct LoginGate: Sendable {
    public let userCAs: Set<SSHPublicKey>
    public let policy: AccessPolicyCache
    public let accounts: LoginAccounts
    public let clock: any WallClock

    public init(userCAs: Set<SSHPublicKey>, policy: AccessPolicyCache, accounts: LoginAccounts, clock: any WallClock) {
        self.userCAs = userCAs
        self.policy = policy
        self.accounts = accounts
        self.clock = clock
    }

    /// Checks that hold whatever the login and key: run when the stream
    /// arrives, so a useless certificate, or a locked user or node, is
    /// refused with a readable message (the lock's own) before SSH starts.
    public func precheck(_ certificateLine: String?, node: NodeTarget) -> Result<SSHCertificate, LoginDenial> {
        guard let certificateLine, !certificateLine.isEmpty else {
            return .failure(LoginDenial(error: TetherError(.accessDenied, "no certificate came with the connection; connect through the proxy (`tether ssh` or `tether config`)."), identity: nil, login: nil))
        }
        let certificate: SSHCertificate
        do {
            certificate = try SSHCertificate(authorizedKeyLine: certificateLine)
        } catch {
            return .failure(LoginDenial(error: error, identity: nil, login: nil))
        }
        let verifier = SSHCertificateVerifier(policies: [
            SSHSignaturePolicy(), SSHTrustedCAPolicy(trustedCAs: userCAs), SSHCertificateTypePolicy(.user), SSHValidityPolicy(clock: clock),
        ])
        do {
            try verifier.verify(certificate)
        } catch {
            return .failure(LoginDenial(error: error, identity: try? TetherCertificateIdentity(certificate: certificate), login: nil))
        }
        if let identity = try? TetherCertificateIdentity(certificate: certificate), let lock = lock(on: identity, node: node) {
            return .failure(LoginDenial(error: Self.lockedOut(lock), identity: identity, login: nil))
        }
        return .success(certificate)
    }

    /// The lock in force now on `identity` or on `node`, if any.
    public func lock(on identity: TetherCertificateIdentity, node: NodeTarget) -> TetherPolicy.Lock? {
        guard let locks = policy.policy?.locks else { return nil }
        return LockPolicy(locks: locks, clock: clock).lock(user: identity.user, origin: identity.originCluster, node: node.name)
    }

    /// What a locked-out user reads, on refusal and when a lock ends their session.
    public static func lockedOut(_ lock: TetherPolicy.Lock) -> TetherError {
        TetherError(.accessDenied, "\(LockPolicy.reason(lock)); ask an administrator of this cluster to remove the lock.")
    }

    /// The full decision for `login` by the holder of `presentedKey` on `node`.
    public func admit(certificate: SSHCertificate, login: String, presentedKey: SSHPublicKey, node: NodeTarget) -> Result<Admission, LoginDenial> {
        let claimed = try? TetherCertificateIdentity(certificate: certificate)
        func deny(_ error: TetherError) -> Result<Admission, LoginDenial> {
            .failure(LoginDenial(error: error, identity: claimed, login: login))
        }
        do {
            try SSHCertificateVerifier.user(principal: login, trustedCAs: userCAs, clock: clock, presentedKey: presentedKey).verify(certificate)
        } catch {
            return deny(error)
        }
        guard let identity = claimed else {
            return deny(TetherError(.accessDenied, "the certificate carries no Tether identity; log in with `tether login` for a new one."))
        }
        guard let policy = policy.policy else {
            return deny(TetherError(.unavailable, "node \(node.name) has not received its access policy from the auth service yet; try again once it is connected."))
        }
        var (roleNames, traits) = (identity.roles, identity.traits)
        if identity.originCluster == nil, let users = policy.users {
            // The certificate is the ceiling and the user record as it is
            // now narrows it: a role or trait value taken away since login
            // applies at once, one given applies at the next login.
            guard let user = users[identity.user] else {
                return deny(TetherError(.accessDenied, "user \(identity.user) no longer exists in this cluster; ask an administrator."))
            }
            roleNames = roleNames.filter(user.spec.roles.contains)
            traits = traits.reduce(into: [:]) { kept, trait in
                kept[trait.key] = trait.value.filter { user.spec.traits[trait.key]?.contains($0) == true }
            }
        }
        let roles = roleNames.compactMap { policy.roles[$0] }
        let checker: AccessChecker
        do throws(TetherError) {
            checker = try AccessChecker(
                subject: AccessSubject(user: identity.user, roles: roles, traits: traits, originCluster: identity.originCluster),
                additionalPolicies: [LockPolicy(locks: policy.locks, clock: clock)]
            )
        } catch {
            return deny(error)
        }
        if case .denied(let reason) = checker.checkAccess(login: login, node: node) {
            return deny(TetherError(.accessDenied, "access denied: \(reason)."))
        }
        let account: LoginAccounts.Resolved
        do {
            account = try accounts.resolve(login)
        } catch {
            return deny(error)
        }
        let permissions = OpenSSHPermissions(extensions: certificate.extensions)
        return .success(Admission(
            identity: identity, login: login, account: account,
            permitPTY: permissions.contains(.pty),
            permitPortForwarding: permissions.contains(.portForwarding) && checker.portForwardingAllowed
        ))
    }
}
