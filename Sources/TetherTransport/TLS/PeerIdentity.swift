import NIOCore
import NIOSSL
import TetherCore
import TetherIdentity
import X509

/// Who is on the other end of a TLS channel, read from the certificate the
/// TLS handshake already verified against the cluster CA.
public enum PeerIdentity {
    /// The peer's identity, or nil when it presented no certificate. Must run
    /// on the channel's event loop after the handshake.
    public static func of(_ channel: Channel) throws(TetherError) -> TLSIdentity? {
        let handler: NIOSSLHandler
        do {
            handler = try channel.pipeline.syncOperations.handler(type: NIOSSLHandler.self)
        } catch {
            return nil
        }
        guard let peer = handler.peerCertificate else { return nil }
        return try identity(of: peer)
    }

    public static func identity(of certificate: NIOSSLCertificate) throws(TetherError) -> TLSIdentity {
        do {
            let parsed = try Certificate(derEncoded: try certificate.toDERBytes())
            return try TLSIdentity(certificate: parsed)
        } catch let error as TetherError {
            throw error
        } catch {
            throw TetherError(.malformed, "the peer's certificate could not be read: \(error).")
        }
    }
}
