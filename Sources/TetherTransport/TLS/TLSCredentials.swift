import NIOSSL
import TetherCore

/// What one end of a Tether TLS connection presents and trusts: its
/// certificate and key (PEM), and the CA certificates it accepts peers from.
public struct TLSCredentials: Sendable, Equatable {
    public var certificatePEM: String
    public var privateKeyPEM: String
    public var trustedCAPEMs: [String]

    public init(certificatePEM: String, privateKeyPEM: String, trustedCAPEMs: [String]) {
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
        self.trustedCAPEMs = trustedCAPEMs
    }

    func certificateChain() throws(TetherError) -> [NIOSSLCertificateSource] {
        try Self.certificates(certificatePEM, what: "certificate").map { .certificate($0) }
    }

    func privateKey() throws(TetherError) -> NIOSSLPrivateKeySource {
        do {
            return .privateKey(try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem))
        } catch {
            throw TetherError(.malformed, "the TLS private key is not valid PEM (\(error)); re-issue the identity.")
        }
    }

    func trustRoots() throws(TetherError) -> NIOSSLTrustRoots {
        var roots: [NIOSSLCertificate] = []
        for pem in trustedCAPEMs {
            roots += try Self.certificates(pem, what: "CA certificate")
        }
        return .certificates(roots)
    }

    static func certificates(_ pem: String, what: String) throws(TetherError) -> [NIOSSLCertificate] {
        do {
            let certificates = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
            guard !certificates.isEmpty else { throw TetherError(.malformed, "no \(what) in the PEM text.") }
            return certificates
        } catch let error as TetherError {
            throw error
        } catch {
            throw TetherError(.malformed, "the \(what) is not valid PEM (\(error)).")
        }
    }
}
