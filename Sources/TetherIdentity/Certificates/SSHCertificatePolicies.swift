import TetherCore

/// The CA's signature must verify over the signed part.
public struct SSHSignaturePolicy: SSHCertificatePolicy {
    public init() {}

    public func check(_ certificate: SSHCertificate) throws(TetherError) {
        guard certificate.hasValidSignature else {
            throw TetherError(
                .verificationFailed,
                "certificate signature does not verify against its CA key \(certificate.signatureKey.fingerprint); the certificate was altered or forged."
            )
        }
    }
}

/// The signing key must be one of the CAs this cluster trusts.
public struct SSHTrustedCAPolicy: SSHCertificatePolicy {
    public var trustedCAs: Set<SSHPublicKey>

    public init(trustedCAs: Set<SSHPublicKey>) { self.trustedCAs = trustedCAs }

    public func check(_ certificate: SSHCertificate) throws(TetherError) {
        guard trustedCAs.contains(certificate.signatureKey) else {
            throw TetherError(
                .verificationFailed,
                "certificate was signed by a CA this cluster does not trust (\(certificate.signatureKey.fingerprint))."
            )
        }
    }
}

/// The certificate must be of the wanted type (user or host).
public struct SSHCertificateTypePolicy: SSHCertificatePolicy {
    public var type: SSHCertificateType

    public init(_ type: SSHCertificateType) { self.type = type }

    public func check(_ certificate: SSHCertificate) throws(TetherError) {
        guard certificate.type == type else {
            throw TetherError(.accessDenied, "certificate is a \(certificate.type) certificate where a \(type) certificate is required.")
        }
    }
}

/// The wanted principal must be listed. An empty list is refused: OpenSSH
/// reads it as "anyone", which is never what a Tether CA means.
public struct SSHPrincipalPolicy: SSHCertificatePolicy {
    public var principal: String

    public init(_ principal: String) { self.principal = principal }

    public func check(_ certificate: SSHCertificate) throws(TetherError) {
        guard !certificate.principals.isEmpty else {
            throw TetherError(.accessDenied, "certificate lists no principals; a certificate must name the logins or hosts it is valid for.")
        }
        guard certificate.principals.contains(principal) else {
            throw TetherError(
                .accessDenied,
                "certificate is not valid for \"\(principal)\"; it lists \(certificate.principals.joined(separator: ", "))."
            )
        }
    }
}

/// `validAfter ≤ now < validBefore`, compared as UInt64 so that "forever"
/// (`UInt64.max`) and other huge values neither trap nor wrap.
public struct SSHValidityPolicy: SSHCertificatePolicy {
    public var clock: any WallClock

    public init(clock: any WallClock) { self.clock = clock }

    public func check(_ certificate: SSHCertificate) throws(TetherError) {
        let now = SSHTimestamp.seconds(clock.now())
        guard now >= certificate.validAfter else {
            throw TetherError(
                .expired,
                "certificate is not valid before \(SSHTimestamp.describe(certificate.validAfter)) (now \(SSHTimestamp.describe(now))); check the clocks."
            )
        }
        guard now < certificate.validBefore else {
            throw TetherError(.expired, "certificate expired at \(SSHTimestamp.describe(certificate.validBefore)); log in again for a new one.")
        }
    }
}

/// Every critical option must be one the caller enforces: an option nobody
/// enforces (say `force-command`) would silently grant more than intended.
public struct SSHCriticalOptionsPolicy: SSHCertificatePolicy {
    public var enforced: Set<String>

    public init(enforced: Set<String>) { self.enforced = enforced }

    public func check(_ certificate: SSHCertificate) throws(TetherError) {
        let unknown = certificate.criticalOptions.keys.filter { !enforced.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw TetherError(.accessDenied, "certificate carries critical option(s) \(unknown.joined(separator: ", ")) that this server does not enforce.")
        }
    }
}

/// The certified key must be the key the peer proved it holds (in the SSH
/// handshake), so a stolen certificate alone is worthless.
public struct SSHSubjectKeyPolicy: SSHCertificatePolicy {
    public var presentedKey: SSHPublicKey

    public init(_ presentedKey: SSHPublicKey) { self.presentedKey = presentedKey }

    public func check(_ certificate: SSHCertificate) throws(TetherError) {
        guard certificate.publicKey == presentedKey else {
            throw TetherError(
                .accessDenied,
                "certificate was issued for key \(certificate.publicKey.fingerprint) but the connection proved key \(presentedKey.fingerprint)."
            )
        }
    }
}
