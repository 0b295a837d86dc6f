import TetherCore

/// Whether a certificate authenticates a user or a host (PROTOCOL.certkeys).
public enum SSHCertificateType: UInt32, Hashable, Sendable, CustomStringConvertible {
    case user = 1
    case host = 2

    public var description: String { self == .user ? "user" : "host" }
}

/// Everything an OpenSSH certificate states, before a CA signs it.
///
/// Times are seconds since 1970 as unsigned 64-bit numbers, exactly as on
/// the wire: `UInt64.max` means "forever" (what `ssh-keygen` writes when no
/// end is given), and such values must never be squeezed into an Int64.
public struct SSHCertificateFields: Hashable, Sendable {
    /// Random bytes that make every certificate's signed data unique.
    public var nonce: [UInt8]
    /// The key the certificate vouches for.
    public var publicKey: SSHPublicKey
    public var serial: UInt64
    public var type: SSHCertificateType
    /// Free text logged by sshd ("ID alice@acme (serial 7)").
    public var keyID: String
    /// Login names (user certificates) or host names (host certificates).
    /// Empty means "no one": Tether never reads it as "anyone".
    public var principals: [String]
    public var validAfter: UInt64
    public var validBefore: UInt64
    /// Name → value; "" means the option carries no data.
    public var criticalOptions: [String: String]
    /// Name → value; "" means the extension carries no data.
    public var extensions: [String: String]

    public static let nonceLength = 32

    public init(
        nonce: [UInt8] = SSHCertificateFields.randomNonce(),
        publicKey: SSHPublicKey,
        serial: UInt64,
        type: SSHCertificateType,
        keyID: String,
        principals: [String],
        validAfter: UInt64,
        validBefore: UInt64,
        criticalOptions: [String: String] = [:],
        extensions: [String: String] = [:]
    ) {
        self.nonce = nonce
        self.publicKey = publicKey
        self.serial = serial
        self.type = type
        self.keyID = keyID
        self.principals = principals
        self.validAfter = validAfter
        self.validBefore = validBefore
        self.criticalOptions = criticalOptions
        self.extensions = extensions
    }

    public static func randomNonce() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<nonceLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// Signs these fields with `authority`, producing the certificate.
    public func signed(by authority: SSHPrivateKey) throws(TetherError) -> SSHCertificate {
        var writer = SSHWireWriter()
        writeSignedPart(signatureKey: authority.publicKey, into: &writer)
        let signedCount = writer.bytes.count
        let signature = try authority.sign(writer.bytes)
        writer.writeString(signature.wireBlob)
        return SSHCertificate(
            fields: self,
            signatureKey: authority.publicKey,
            signature: signature,
            wireBlob: writer.bytes,
            signedCount: signedCount
        )
    }
}
