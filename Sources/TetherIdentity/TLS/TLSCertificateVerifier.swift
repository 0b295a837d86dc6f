@_spi(FixedExpiryValidationTime) import X509
import Foundation
import TetherCore

/// Verifies that a leaf certificate was issued by one of a cluster's TLS
/// CAs and is valid now (by the injected clock), then reads its identity.
///
/// Chain building and signature checks are swift-certificates' `Verifier`
/// with its RFC 5280 policy; validity is checked first here as well, so an
/// expired certificate gets an `.expired` error rather than a vague failure.
public struct TLSCertificateVerifier: Sendable {
    public var trustedCAs: [Certificate]
    public var clock: any WallClock

    public init(trustedCAs: [Certificate], clock: any WallClock) {
        self.trustedCAs = trustedCAs
        self.clock = clock
    }

    /// Returns the leaf's identity if it chains to a trusted CA, is valid
    /// now, allows `usage`, and claims the cluster of the CA that issued it.
    public func verify(_ leaf: Certificate, for usage: TLSKeyUsage) async throws(TetherError) -> TLSIdentity {
        let now = clock.now()
        try Self.checkValidity(leaf, at: now)
        try checkUsage(leaf, usage)

        var verifier = Verifier(rootCertificates: CertificateStore(trustedCAs)) {
            RFC5280Policy(fixedExpiryValidationTime: now)
        }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore())
        guard case .validCertificate(let chain) = result, let root = chain.last else {
            let pins = trustedCAs.compactMap { try? CAPin(certificate: $0).description }.joined(separator: ", ")
            throw TetherError(.verificationFailed, "certificate \(leaf.subject) was not issued by a CA this cluster trusts (\(pins)) or its CA is not valid now.")
        }
        let identity = try TLSIdentity(certificate: leaf)
        let issuingCluster = try? TLSCertificateAuthority.clusterName(of: root)
        guard identity.cluster == issuingCluster else {
            throw TetherError(.verificationFailed, "certificate claims cluster \(identity.cluster) but was issued by the CA of \(issuingCluster ?? "an unnamed cluster").")
        }
        return identity
    }

    private static func checkValidity(_ certificate: Certificate, at now: Date) throws(TetherError) {
        guard now >= certificate.notValidBefore else {
            throw TetherError(.expired, "certificate \(certificate.subject) is not valid before \(certificate.notValidBefore.formatted(.iso8601)); check the clocks.")
        }
        guard now <= certificate.notValidAfter else {
            throw TetherError(.expired, "certificate \(certificate.subject) expired at \(certificate.notValidAfter.formatted(.iso8601)).")
        }
    }

    private func checkUsage(_ leaf: Certificate, _ usage: TLSKeyUsage) throws(TetherError) {
        let granted = ((try? leaf.extensions.extendedKeyUsage) ?? nil).map(Array.init) ?? []
        let missing = usage.extendedKeyUsages.filter { !granted.contains($0) }
        guard missing.isEmpty else {
            throw TetherError(.accessDenied, "certificate \(leaf.subject) is not allowed for \(missing.map(\.description).joined(separator: ", ")).")
        }
    }
}
