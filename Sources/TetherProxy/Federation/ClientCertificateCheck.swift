import NIOCore
import NIOSSL
import TetherCore
import TetherIdentity
import X509

/// Verifies the certificates clients present on the proxy's port against
/// this cluster's CA and the CAs of its leaves (whose proxies dial in).
/// Each certificate must claim the cluster of the CA that issued it, so one
/// leaf can never pass for another, nor for this cluster.
struct ClientCertificateCheck: Sendable {
    let ownCAs: [Certificate]
    let leaves: LeafDirectory
    let clock: any WallClock

    func verify(_ chain: [NIOSSLCertificate], completing promise: EventLoopPromise<NIOSSLVerificationResult>) {
        let trusted = ownCAs + leaves.tlsCAs
        let clock = clock
        promise.completeWithTask {
            guard let first = chain.first, let leaf = try? Certificate(derEncoded: try first.toDERBytes()) else {
                return .failed
            }
            do {
                _ = try await TLSCertificateVerifier(trustedCAs: trusted, clock: clock).verify(leaf, for: .client)
                return .certificateVerified
            } catch {
                return .failed
            }
        }
    }
}
