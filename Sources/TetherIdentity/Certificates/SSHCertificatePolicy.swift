import TetherCore

/// One check a certificate must pass. Small policies compose into an
/// `SSHCertificateVerifier`, in the spirit of swift-certificates' policies.
public protocol SSHCertificatePolicy: Sendable {
    /// Throws a `TetherError` naming precisely what is wrong, or returns.
    func check(_ certificate: SSHCertificate) throws(TetherError)
}

/// Runs policies in order and stops at the first failure.
public struct SSHCertificateVerifier: Sendable {
    public var policies: [any SSHCertificatePolicy]

    public init(policies: [any SSHCertificatePolicy]) {
        self.policies = policies
    }

    public func verify(_ certificate: SSHCertificate) throws(TetherError) {
        for policy in policies { try policy.check(certificate) }
    }

    /// The checks for a user logging in as `principal`: signature, trusted
    /// CA, user type, principal listed, validity window, no unknown critical
    /// option and, when given, the subject key the SSH handshake proved.
    public static func user(
        principal: String,
        trustedCAs: Set<SSHPublicKey>,
        clock: any WallClock,
        presentedKey: SSHPublicKey? = nil,
        enforcedCriticalOptions: Set<String> = []
    ) -> SSHCertificateVerifier {
        standard(.user, principal: principal, trustedCAs: trustedCAs, clock: clock,
                 presentedKey: presentedKey, enforcedCriticalOptions: enforcedCriticalOptions)
    }

    /// The checks for a user certificate of another (root) cluster that this
    /// cluster re-issues rather than accepts: signature, trusted CA, user
    /// type, validity and no critical option. Principals are not checked:
    /// the logins come from this cluster's own roles.
    public static func federatedUser(trustedCAs: Set<SSHPublicKey>, clock: any WallClock) -> SSHCertificateVerifier {
        SSHCertificateVerifier(policies: [
            SSHSignaturePolicy(),
            SSHTrustedCAPolicy(trustedCAs: trustedCAs),
            SSHCertificateTypePolicy(.user),
            SSHValidityPolicy(clock: clock),
            SSHCriticalOptionsPolicy(enforced: []),
        ])
    }

    /// The checks for a host known by `hostName`, as `user` does for users.
    public static func host(
        hostName: String,
        trustedCAs: Set<SSHPublicKey>,
        clock: any WallClock,
        presentedKey: SSHPublicKey? = nil
    ) -> SSHCertificateVerifier {
        standard(.host, principal: hostName, trustedCAs: trustedCAs, clock: clock,
                 presentedKey: presentedKey, enforcedCriticalOptions: [])
    }

    private static func standard(
        _ type: SSHCertificateType,
        principal: String,
        trustedCAs: Set<SSHPublicKey>,
        clock: any WallClock,
        presentedKey: SSHPublicKey?,
        enforcedCriticalOptions: Set<String>
    ) -> SSHCertificateVerifier {
        // Signature and CA first: nothing else in the certificate means
        // anything until they pass.
        var policies: [any SSHCertificatePolicy] = [
            SSHSignaturePolicy(),
            SSHTrustedCAPolicy(trustedCAs: trustedCAs),
            SSHCertificateTypePolicy(type),
            SSHValidityPolicy(clock: clock),
            SSHPrincipalPolicy(principal),
            SSHCriticalOptionsPolicy(enforced: enforcedCriticalOptions),
        ]
        if let presentedKey { policies.append(SSHSubjectKeyPolicy(presentedKey)) }
        return SSHCertificateVerifier(policies: policies)
    }
}
