import TetherCore

/// The key types Tether issues and accepts (the ones swift-nio-ssh speaks).
public enum SSHKeyAlgorithm: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case ed25519 = "ssh-ed25519"
    case ecdsaP256 = "ecdsa-sha2-nistp256"

    /// The key type name on the wire, e.g. `ssh-ed25519`.
    public var sshName: String { rawValue }

    /// The matching OpenSSH certificate type, e.g. `ssh-ed25519-cert-v01@openssh.com`.
    public var certificateTypeName: String { "\(rawValue)-cert-v01@openssh.com" }

    public var description: String { rawValue }

    /// The algorithm named `sshName`, or `.unsupported` naming what is supported.
    public init(sshName: String) throws(TetherError) {
        guard let algorithm = SSHKeyAlgorithm(rawValue: sshName) else {
            throw TetherError(
                .unsupported,
                "key type \"\(sshName)\" is not supported; use ssh-ed25519 or ecdsa-sha2-nistp256."
            )
        }
        self = algorithm
    }

    /// The algorithm whose certificate type is `typeName`, or `.unsupported`.
    public init(certificateTypeName typeName: String) throws(TetherError) {
        guard let algorithm = Self.allCases.first(where: { $0.certificateTypeName == typeName }) else {
            throw TetherError(
                .unsupported,
                "certificate type \"\(typeName)\" is not supported; use ssh-ed25519 or ecdsa-sha2-nistp256 certificates."
            )
        }
        self = algorithm
    }

    /// The curve identifier ECDSA keys carry on the wire.
    static let p256CurveName = "nistp256"
}
