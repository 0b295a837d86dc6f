import Crypto
import Foundation
import TetherCore

/// An SSH private key. The cases expose the swift-crypto key so that other
/// code can hand it on (e.g. `NIOSSHPrivateKey(ed25519Key:)`).
public enum SSHPrivateKey: Sendable {
    case ed25519(Curve25519.Signing.PrivateKey)
    case ecdsaP256(P256.Signing.PrivateKey)

    /// A fresh random key.
    public static func generate(_ algorithm: SSHKeyAlgorithm) -> SSHPrivateKey {
        switch algorithm {
        case .ed25519: .ed25519(Curve25519.Signing.PrivateKey())
        case .ecdsaP256: .ecdsaP256(P256.Signing.PrivateKey())
        }
    }

    public var algorithm: SSHKeyAlgorithm { publicKey.algorithm }

    public var publicKey: SSHPublicKey {
        switch self {
        case .ed25519(let key): .ed25519(key.publicKey)
        case .ecdsaP256(let key): .ecdsaP256(key.publicKey)
        }
    }

    /// Signs `data` (ECDSA P-256 over its SHA-256, as SSH specifies).
    public func sign(_ data: some DataProtocol) throws(TetherError) -> SSHSignature {
        do {
            switch self {
            case .ed25519(let key):
                return SSHSignature(algorithm: .ed25519, rawSignature: Array(try key.signature(for: data)))
            case .ecdsaP256(let key):
                let signature = try key.signature(for: SHA256.hash(data: data))
                return SSHSignature(algorithm: .ecdsaP256, rawSignature: Array(signature.rawRepresentation))
            }
        } catch {
            throw TetherError(.internal, "signing with the \(algorithm) key failed: \(error).")
        }
    }
}
