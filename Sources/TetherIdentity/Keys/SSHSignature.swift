import Crypto
import Foundation
import TetherCore

/// An SSH signature (RFC 4253 §6.6): the algorithm and its raw signature.
public struct SSHSignature: Hashable, Sendable {
    public let algorithm: SSHKeyAlgorithm
    /// Ed25519: the 64-byte signature. ECDSA P-256: r ‖ s, 32 bytes each.
    public let rawSignature: [UInt8]

    private static let rawLength = 64
    private static let p256ScalarLength = 32

    public init(algorithm: SSHKeyAlgorithm, rawSignature: [UInt8]) {
        self.algorithm = algorithm
        self.rawSignature = rawSignature
    }

    /// `string(algorithm) + string(signature)`; for ECDSA the inner string
    /// holds `mpint r + mpint s`.
    public var wireBlob: [UInt8] {
        var writer = SSHWireWriter()
        writer.writeString(algorithm.sshName)
        switch algorithm {
        case .ed25519:
            writer.writeString(rawSignature)
        case .ecdsaP256:
            writer.writeNested { inner in
                inner.writePositiveMPInt(rawSignature.prefix(Self.p256ScalarLength))
                inner.writePositiveMPInt(rawSignature.dropFirst(Self.p256ScalarLength))
            }
        }
        return writer.bytes
    }

    /// Parses a signature blob strictly: one encoding per signature, no trailing bytes.
    public init(wireBlob: [UInt8]) throws(TetherError) {
        var reader = SSHWireReader(wireBlob, context: "signature")
        algorithm = try SSHKeyAlgorithm(sshName: try reader.readText())
        let body = try reader.readString()
        try reader.expectEnd()
        switch algorithm {
        case .ed25519:
            guard body.count == Self.rawLength else { throw reader.malformed("an Ed25519 signature must be 64 bytes") }
            rawSignature = body
        case .ecdsaP256:
            var scalars = SSHWireReader(body, context: "ECDSA signature")
            let r = try scalars.readPositiveMPInt()
            let s = try scalars.readPositiveMPInt()
            try scalars.expectEnd()
            guard r.count <= Self.p256ScalarLength, s.count <= Self.p256ScalarLength else {
                throw reader.malformed("an ECDSA P-256 scalar is longer than 32 bytes")
            }
            rawSignature = Self.leftPadded(r) + Self.leftPadded(s)
        }
    }

    static func leftPadded(_ magnitude: [UInt8]) -> [UInt8] {
        [UInt8](repeating: 0, count: max(0, p256ScalarLength - magnitude.count)) + magnitude
    }
}

extension SSHPublicKey {
    /// Whether `signature` is a valid signature by this key over `data`
    /// (ECDSA P-256 over SHA-256, as SSH specifies).
    public func isValidSignature(_ signature: SSHSignature, for data: some DataProtocol) -> Bool {
        switch self {
        case .ed25519(let key):
            return signature.algorithm == .ed25519 && key.isValidSignature(signature.rawSignature, for: data)
        case .ecdsaP256(let key):
            guard signature.algorithm == .ecdsaP256,
                  let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature.rawSignature)
            else { return false }
            return key.isValidSignature(ecdsa, for: SHA256.hash(data: data))
        }
    }
}
