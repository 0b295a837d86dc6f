import Crypto
import TetherCore
import TetherIdentity

/// Public keys a client or node sends to be certified.
enum ClientPublicKeys {
    static func ssh(_ line: String) throws(TetherError) -> SSHPublicKey {
        do {
            return try SSHPublicKey(authorizedKeyLine: line)
        } catch {
            throw TetherError(.invalidArgument, "the SSH public key is not a valid authorized-keys line (\(error.message)).")
        }
    }

    static func tls(_ pem: String) throws(TetherError) -> P256.Signing.PublicKey {
        do {
            return try P256.Signing.PublicKey(pemRepresentation: pem)
        } catch {
            throw TetherError(.invalidArgument, "the TLS public key is not a PEM P-256 SubjectPublicKeyInfo; send an ECDSA P-256 key.")
        }
    }
}
