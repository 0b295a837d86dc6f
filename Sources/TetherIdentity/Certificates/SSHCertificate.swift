import TetherCore

/// A signed OpenSSH certificate (PROTOCOL.certkeys), for Ed25519 or ECDSA
/// P-256 subject keys, signed by an Ed25519 or ECDSA P-256 CA.
///
/// Immutable: it keeps the exact bytes it was parsed from or signed as, so
/// the signature is always checked over the bytes the CA signed. Equal and
/// hashed by those bytes. The fields read through: `certificate.principals`.
@dynamicMemberLookup
public struct SSHCertificate: Hashable, Sendable, CustomStringConvertible {
    public let fields: SSHCertificateFields
    /// The CA key that signed the certificate (not yet trusted: see `SSHCertificateVerifier`).
    public let signatureKey: SSHPublicKey
    public let signature: SSHSignature
    /// The certificate as on the wire (the base64 part of a `-cert.pub` line).
    public let wireBlob: [UInt8]
    private let signedCount: Int

    init(fields: SSHCertificateFields, signatureKey: SSHPublicKey, signature: SSHSignature, wireBlob: [UInt8], signedCount: Int) {
        self.fields = fields
        self.signatureKey = signatureKey
        self.signature = signature
        self.wireBlob = wireBlob
        self.signedCount = signedCount
    }

    public subscript<Value>(dynamicMember keyPath: KeyPath<SSHCertificateFields, Value>) -> Value {
        fields[keyPath: keyPath]
    }

    /// Parses a certificate blob. Succeeds for any well-formed certificate,
    /// trusted or not: verify it before believing a word of it.
    public init(wireBlob: [UInt8]) throws(TetherError) {
        var reader = SSHWireReader(wireBlob, context: "certificate")
        (fields, signatureKey) = try SSHCertificateFields.readSignedPart(from: &reader)
        signedCount = reader.consumedCount
        signature = try SSHSignature(wireBlob: try reader.readString())
        try reader.expectEnd()
        self.wireBlob = wireBlob
    }

    /// Parses `ssh-ed25519-cert-v01@openssh.com AAAA… comment` (a `-cert.pub` file's line).
    public init(authorizedKeyLine line: String) throws(TetherError) {
        let parsed = try AuthorizedKeyLine(parsing: line, context: "certificate line")
        try self.init(wireBlob: parsed.blob)
        guard parsed.typeName == fields.publicKey.algorithm.certificateTypeName else {
            throw TetherError(.malformed, "certificate line says \(parsed.typeName) but holds a \(fields.publicKey.algorithm.certificateTypeName).")
        }
    }

    /// `ssh-ed25519-cert-v01@openssh.com AAAA… comment`, the form of `-cert.pub` files.
    public func authorizedKeyLine(comment: String = "") -> String {
        AuthorizedKeyLine(typeName: fields.publicKey.algorithm.certificateTypeName, blob: wireBlob, comment: comment).text
    }

    /// The bytes the CA's signature covers.
    public var signedBytes: ArraySlice<UInt8> { wireBlob[..<signedCount] }

    /// Whether `signature` is `signatureKey`'s signature over `signedBytes`
    /// (says nothing about whether that CA is trusted).
    public var hasValidSignature: Bool {
        signature.algorithm == signatureKey.algorithm && signatureKey.isValidSignature(signature, for: signedBytes)
    }

    public var description: String {
        "\(fields.type) certificate \"\(fields.keyID)\" serial \(fields.serial) for \(fields.publicKey.fingerprint), signed by \(signatureKey.fingerprint)"
    }

    public static func == (lhs: SSHCertificate, rhs: SSHCertificate) -> Bool { lhs.wireBlob == rhs.wireBlob }

    public func hash(into hasher: inout Hasher) { hasher.combine(wireBlob) }
}
