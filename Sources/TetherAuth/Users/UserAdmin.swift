import TetherCore
import TetherPolicy
import TetherStorage

/// Local users and their credentials (`tetherctl users ...`).
public struct UserAdmin: Sendable {
    let resources: ClusterResources
    let credentials: CredentialStore
    let audit: AuditTrail
    /// What a new password hash costs.
    let passwordCost: PasswordHash.Parameters

    /// Shorter passwords are refused.
    public static let minimumPasswordLength = 8

    /// Creates user `name` holding `roles` (which must exist), with
    /// `logins` as the `logins` trait.
    @discardableResult
    public func add(_ name: String, roles: [String], logins: [String]) throws(TetherError) -> User {
        guard !roles.isEmpty else {
            throw TetherError(.invalidArgument, "user \(name) needs at least one role; give --roles R1,R2.")
        }
        for role in roles where try resources.get(.role, role) == nil {
            throw TetherError(.notFound, "role \(role) does not exist; create it first with tetherctl create ROLE.yaml.")
        }
        let user = User(name: name, spec: UserSpec(roles: roles, traits: logins.isEmpty ? [:] : ["logins": logins]))
        try resources.put(.user(user), mode: .createOnly)
        try audit.record(AuthEvent.resource(ResourceKind.user.rawValue, "create")) { event in
            event.user = name
            event.roles = roles
        }
        return user
    }

    public func list() throws(TetherError) -> [User] {
        try resources.list(.user).compactMap { if case .user(let user) = $0 { user } else { nil } }
    }

    /// Removes the user and their credentials.
    public func remove(_ name: String) throws(TetherError) {
        try resources.delete(.user, name)
        try credentials.remove(name)
        try audit.record(AuthEvent.resource(ResourceKind.user.rawValue, "delete")) { $0.user = name }
    }

    public func setPassword(_ name: String, password: String) throws(TetherError) {
        try requireUser(name)
        guard password.count >= Self.minimumPasswordLength else {
            throw TetherError(.invalidArgument, "the password is too short; use at least \(Self.minimumPasswordLength) characters.")
        }
        let hash = try PasswordHash(hashing: password, parameters: passwordCost)
        try credentials.update(name) { $0.passwordHash = hash.encoded }
        try audit.record(AuthEvent.userPasswordChange) { $0.user = name }
    }

    /// Gives the user a new TOTP secret (replacing any old one) and returns
    /// it: the caller shows it to the user once.
    public func enrollTOTP(_ name: String) throws(TetherError) -> TOTP {
        try requireUser(name)
        let totp = TOTP.generate()
        try credentials.update(name) { stored in
            stored.totpSecret = totp.base32Secret
            stored.totpLastStep = nil
        }
        try audit.record(AuthEvent.resource("totp", "create")) { $0.user = name }
        return totp
    }

    private func requireUser(_ name: String) throws(TetherError) {
        guard try resources.user(name) != nil else {
            throw TetherError(.notFound, "there is no user \(name); add it with tetherctl users add \(name) --roles R.")
        }
    }
}
