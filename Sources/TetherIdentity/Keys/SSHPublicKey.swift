import Crypto
import Foundation
import TetherCore

/// An SSH public key. Equal and hashed by its wire blob, so two values
/// describing the same key compare equal however they were obtained.
public enum SSHPublicKey: Hashable, Sendable, CustomStringConvertible {
    case ed25519(Curve25519.Signing.PublicKey)
    case ecdsaP256(P256.Signing.PublicKey)

    public var algorithm: SSHKeyAlgorithm {
        switch self {
        case .ed25519: .ed25519
        case .ecdsaP256: .ecdsaP256
        }
    }

    /// The RFC 4253 public key blob: type name followed by the key fields.
    public var wireBlob: [UInt8] {
        var writer = SSHWireWriter()
        writer.writeString(algorithm.sshName)
        writeKeyFields(into: &writer)
        return writer.bytes
    }

    /// Parses a public key blob, rejecting trailing bytes.
    public init(wireBlob: [UInt8]) throws(TetherError) {
        var reader = SSHWireReader(wireBlob, context: "public key")
        let algorithm = try SSHKeyAlgorithm(sshName: try reader.readText())
        self = try Self.readKeyFields(algorithm, from: &reader)
        try reader.expectEnd()
    }

    /// Parses `ssh-ed25519 AAAA… comment` (an authorized_keys or `.pub` line).
    public init(authorizedKeyLine line: String) throws(TetherError) {
        let parsed = try AuthorizedKeyLine(parsing: line, context: "public key line")
        self = try SSHPublicKey(wireBlob: parsed.blob)
        guard parsed.typeName == algorithm.sshName else {
            throw TetherError(.malformed, "public key line says \(parsed.typeName) but holds a \(algorithm.sshName) key.")
        }
    }

    /// `ssh-ed25519 AAAA… comment`, the form of authorized_keys and `.pub` files.
    public func authorizedKeyLine(comment: String = "") -> String {
        AuthorizedKeyLine(typeName: algorithm.sshName, blob: wireBlob, comment: comment).text
    }

    /// OpenSSH's fingerprint: `SHA256:` and the unpadded base64 of the blob's SHA-256.
    public var fingerprint: String {
        let digest = Data(SHA256.hash(data: wireBlob)).base64EncodedString()
        return "SHA256:" + digest.replacingOccurrences(of: "=", with: "")
    }

    public var description: String { "\(algorithm.sshName) \(fingerprint)" }

    public static func == (lhs: SSHPublicKey, rhs: SSHPublicKey) -> Bool { lhs.wireBlob == rhs.wireBlob }

    public func hash(into hasher: inout Hasher) { hasher.combine(wireBlob) }

    // MARK: Key fields (shared with certificates, which embed them without the type name)

    func writeKeyFields(into writer: inout SSHWireWriter) {
        switch self {
        case .ed25519(let key):
            writer.writeString(key.rawRepresentation)
        case .ecdsaP256(let key):
            writer.writeString(SSHKeyAlgorithm.p256CurveName)
            writer.writeString(key.x963Representation)
        }
    }

    static func readKeyFields(_ algorithm: SSHKeyAlgorithm, from reader: inout SSHWireReader) throws(TetherError) -> SSHPublicKey {
        switch algorithm {
        case .ed25519:
            let raw = try reader.readString()
            guard raw.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
                throw reader.malformed("an Ed25519 public key must be 32 bytes")
            }
            return .ed25519(key)
        case .ecdsaP256:
            let curve = try reader.readText()
            guard curve == SSHKeyAlgorithm.p256CurveName else {
                throw reader.malformed("an ecdsa-sha2-nistp256 key names curve \"\(curve)\"")
            }
            let point = try reader.readString()
            guard let key = try? P256.Signing.PublicKey(x963Representation: point) else {
                throw reader.malformed("the P-256 public key is not a valid uncompressed curve point")
            }
            return .ecdsaP256(key)
        }
    }
}
