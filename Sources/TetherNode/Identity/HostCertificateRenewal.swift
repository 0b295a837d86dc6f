import Foundation
import Logging
import TetherAPI
import TetherCore
import TetherIdentity

/// Keeps the node's host certificates from running out: once two thirds of
/// the TLS certificate's life have passed, asks the cluster for new ones
/// with the current certificate, saves them, and switches the node's
/// connections over. A node that was removed or locked is refused and keeps
/// trying (it is told why in its log); one whose certificate ran out while
/// it was offline must join again.
struct HostCertificateRenewal: Sendable {
    let credentials: NodeCredentials
    let api: ClusterAPIClient
    let files: NodeFiles
    let addresses: [String]
    let clock: any WallClock
    let logger: Logger
    var checkInterval: Duration = .seconds(3600)

    /// Whether a certificate valid over `validity` is due at `now`.
    static func isDue(_ validity: ClosedRange<Date>, at now: Date) -> Bool {
        let lifetime = validity.upperBound.timeIntervalSince(validity.lowerBound)
        return now >= validity.lowerBound.addingTimeInterval(lifetime * 2 / 3)
    }

    func run() async {
        await repeatEvery(checkInterval) {
            do throws(TetherError) {
                try await renewIfDue()
            } catch {
                logger.warning("host certificate renewal failed", metadata: ["error": "\(error.message)"])
            }
        }
    }

    /// Renews if due; whether it did.
    @discardableResult
    func renewIfDue() async throws(TetherError) -> Bool {
        let current = credentials.identity
        guard Self.isDue(try current.tlsValidity(), at: clock.now()) else { return false }
        let tlsKey = try PEMCoding.p256PrivateKey(fromPEM: current.tlsPrivateKeyPEM)
        let response = try await api.renewHost(HostRenewalRequest(tlsPublicKey: tlsKey.publicKey.pemRepresentation, addresses: addresses))
        var renewed = current
        renewed.sshHostCertificate = response.sshHostCertificate.trimmingCharacters(in: .whitespacesAndNewlines)
        renewed.tlsCertificatePEM = response.tlsCertificate
        let validity = try renewed.tlsValidity()
        do {
            try credentials.replace(with: renewed)
        } catch {
            throw TetherError(.malformed, "the renewed certificate cannot be used: \(error).")
        }
        try api.use(renewed)
        try renewed.save(to: files)
        logger.info("host certificates renewed", metadata: ["valid_until": "\(validity.upperBound.ISO8601Format())"])
        return true
    }
}

extension NodeIdentity {
    /// When the TLS host certificate is valid.
    func tlsValidity() throws(TetherError) -> ClosedRange<Date> {
        guard let certificate = try PEMCoding.certificates(fromPEM: tlsCertificatePEM).first else {
            throw TetherError(.malformed, "the node's TLS certificate holds no certificate; remove data_dir/node and join again.")
        }
        return certificate.notValidBefore...certificate.notValidAfter
    }
}
