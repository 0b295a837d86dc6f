import Crypto
import SwiftASN1
import TetherCore
import X509

/// PEM text for TLS certificates and P-256 private keys.
public enum PEMCoding {
    public static func pem(of certificate: Certificate) throws(TetherError) -> String {
        do {
            return try certificate.serializeAsPEM().pemString
        } catch {
            throw TetherError(.internal, "cannot PEM-encode certificate \(certificate.subject): \(error).")
        }
    }

    /// All `CERTIFICATE` blocks in `text`, in order (a bundle or a single certificate).
    public static func certificates(fromPEM text: String) throws(TetherError) -> [Certificate] {
        do {
            let documents = try PEMDocument.parseMultiple(pemString: text)
            guard !documents.isEmpty else { throw TetherError(.malformed, "no PEM block") }
            return try documents.map { try Certificate(pemDocument: $0) }
        } catch {
            throw TetherError(.malformed, "text is not PEM CERTIFICATE block(s): \(error).")
        }
    }

    /// PKCS#8 `PRIVATE KEY` PEM.
    public static func pem(of privateKey: P256.Signing.PrivateKey) -> String {
        privateKey.pemRepresentation
    }

    /// Reads a P-256 key from PKCS#8 (`PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`) PEM.
    public static func p256PrivateKey(fromPEM text: String) throws(TetherError) -> P256.Signing.PrivateKey {
        do {
            return try P256.Signing.PrivateKey(pemRepresentation: text)
        } catch {
            throw TetherError(.malformed, "text is not a PEM ECDSA P-256 private key (PKCS#8 or SEC1): \(error).")
        }
    }
}
