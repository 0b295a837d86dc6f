import TetherCore

/// Issues OpenSSH user and host certificates with one CA key.
public struct SSHCertificateAuthority: Sendable {
    public let signingKey: SSHPrivateKey
    public let clock: any WallClock

    /// How far `validAfter` is set back, so that a peer whose clock runs a
    /// little behind still accepts a fresh certificate.
    public static let clockSkewAllowance: UInt64 = 60

    public init(signingKey: SSHPrivateKey, clock: any WallClock) {
        self.signingKey = signingKey
        self.clock = clock
    }

    /// The CA's public key: what sshd's `TrustedUserCAKeys` and known_hosts'
    /// `@cert-authority` lines hold.
    public var publicKey: SSHPublicKey { signingKey.publicKey }

    /// A user certificate carrying `identity` in its extensions, valid for
    /// the logins `principals`, from a minute ago until `ttl` from now.
    public func issueUserCertificate(
        for publicKey: SSHPublicKey,
        identity: TetherCertificateIdentity,
        principals: [String],
        ttl: TimeSpan,
        serial: UInt64 = .random(in: 1 ... .max),
        permissions: OpenSSHPermissions = .all,
        criticalOptions: [String: String] = [:]
    ) throws(TetherError) -> SSHCertificate {
        let extensions = identity.extensions.merging(permissions.extensions) { tether, _ in tether }
        return try issue(
            .user, for: publicKey, keyID: "\(identity.user)@\(identity.cluster)", principals: principals,
            ttl: ttl, serial: serial, criticalOptions: criticalOptions, extensions: extensions
        )
    }

    /// A host certificate for `hostID`, valid for the host names `principals`.
    public func issueHostCertificate(
        for publicKey: SSHPublicKey,
        hostID: String,
        principals: [String],
        ttl: TimeSpan,
        serial: UInt64 = .random(in: 1 ... .max)
    ) throws(TetherError) -> SSHCertificate {
        try issue(.host, for: publicKey, keyID: hostID, principals: principals, ttl: ttl, serial: serial,
                  criticalOptions: [:], extensions: [:])
    }

    private func issue(
        _ type: SSHCertificateType,
        for publicKey: SSHPublicKey,
        keyID: String,
        principals: [String],
        ttl: TimeSpan,
        serial: UInt64,
        criticalOptions: [String: String],
        extensions: [String: String]
    ) throws(TetherError) -> SSHCertificate {
        guard !principals.isEmpty else {
            throw TetherError(.invalidArgument, "a \(type) certificate needs at least one principal; name the logins or host names it is for.")
        }
        guard ttl.seconds > 0 else {
            throw TetherError(.invalidArgument, "certificate lifetime must be positive, got \(ttl).")
        }
        let now = SSHTimestamp.seconds(clock.now())
        let validAfter = now >= Self.clockSkewAllowance ? now - Self.clockSkewAllowance : 0
        let fields = SSHCertificateFields(
            publicKey: publicKey, serial: serial, type: type, keyID: keyID, principals: principals,
            validAfter: validAfter, validBefore: SSHTimestamp.adding(now, UInt64(ttl.seconds)),
            criticalOptions: criticalOptions, extensions: extensions
        )
        return try fields.signed(by: signingKey)
    }
}
