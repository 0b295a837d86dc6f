import Crypto
import Foundation
import TetherCore

/// The OpenSSH private key file format ("openssh-key-v1", see OpenSSH's
/// PROTOCOL.key), unencrypted only.
extension SSHPrivateKey {
    private static let magic = Array("openssh-key-v1".utf8) + [0]
    private static let beginLine = "-----BEGIN OPENSSH PRIVATE KEY-----"
    private static let endLine = "-----END OPENSSH PRIVATE KEY-----"
    /// Unencrypted sections are padded to the "none" cipher's block size.
    private static let blockSize = 8
    private static let lineLength = 70

    /// The key as an OpenSSH private key file (PEM armour, 70-column base64).
    public func openSSHFileText(comment: String = "") -> String {
        var writer = SSHWireWriter()
        writer.writeRawBytes(Self.magic)
        writer.writeString("none")  // cipher
        writer.writeString("none")  // kdf
        writer.writeString([UInt8]())  // kdf options
        writer.writeUInt32(1)
        writer.writeString(publicKey.wireBlob)
        writer.writeString(privateSection(comment: comment))

        let base64 = Data(writer.bytes).base64EncodedString()
        var lines = [Self.beginLine]
        var rest = Substring(base64)
        while !rest.isEmpty {
            lines.append(String(rest.prefix(Self.lineLength)))
            rest = rest.dropFirst(Self.lineLength)
        }
        lines.append(Self.endLine)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads an OpenSSH private key file as `ssh-keygen` writes it.
    /// Passphrase-protected files are refused with `.unsupported`.
    public init(openSSHFileText text: String) throws(TetherError) {
        self = try Self.parseOpenSSHFile(text).key
    }

    /// Reads an OpenSSH private key file and returns the key with its comment.
    public static func parseOpenSSHFile(_ text: String) throws(TetherError) -> (key: SSHPrivateKey, comment: String) {
        let body = try dearmored(text)
        var reader = SSHWireReader(body, context: "OpenSSH private key file")
        guard try reader.readRawBytes(magic.count, what: "magic") == magic else {
            throw reader.malformed("it does not start with \"openssh-key-v1\"")
        }
        let cipher = try reader.readText()
        let kdf = try reader.readText()
        _ = try reader.readString()  // kdf options
        guard cipher == "none", kdf == "none" else {
            throw TetherError(
                .unsupported,
                "the private key file is protected by a passphrase (cipher \(cipher)); remove it with `ssh-keygen -p -N '' -f FILE` or use an unencrypted key."
            )
        }
        guard try reader.readUInt32() == 1 else { throw reader.malformed("it must hold exactly one key") }
        let publicKey = try SSHPublicKey(wireBlob: try reader.readString())
        let section = try reader.readString()
        try reader.expectEnd()

        let (key, comment) = try parsePrivateSection(section)
        guard key.publicKey == publicKey else {
            throw reader.malformed("the private key does not match the public key stored beside it")
        }
        return (key, comment)
    }

    private func privateSection(comment: String) -> [UInt8] {
        // The two equal check-ints let a reader detect a wrong passphrase;
        // unencrypted files still carry them.
        let checkInt = UInt32.random(in: .min ... .max)
        var writer = SSHWireWriter()
        writer.writeUInt32(checkInt)
        writer.writeUInt32(checkInt)
        writer.writeString(algorithm.sshName)
        switch self {
        case .ed25519(let key):
            let publicRaw = key.publicKey.rawRepresentation
            writer.writeString(publicRaw)
            writer.writeString(key.rawRepresentation + publicRaw)  // seed ‖ public key
        case .ecdsaP256(let key):
            writer.writeString(SSHKeyAlgorithm.p256CurveName)
            writer.writeString(key.publicKey.x963Representation)
            writer.writePositiveMPInt(key.rawRepresentation)
        }
        writer.writeString(comment)
        var padding: UInt8 = 1
        while writer.bytes.count % Self.blockSize != 0 {
            writer.writeRawBytes([padding])
            padding += 1
        }
        return writer.bytes
    }

    private static func parsePrivateSection(_ section: [UInt8]) throws(TetherError) -> (SSHPrivateKey, String) {
        var reader = SSHWireReader(section, context: "OpenSSH private key section")
        let checkInt = try reader.readUInt32()
        guard try reader.readUInt32() == checkInt else { throw reader.malformed("its check-ints differ") }
        let algorithm = try SSHKeyAlgorithm(sshName: try reader.readText())
        let key: SSHPrivateKey
        switch algorithm {
        case .ed25519:
            let publicRaw = try reader.readString()
            let secret = try reader.readString()
            guard secret.count == 64, let signing = try? Curve25519.Signing.PrivateKey(rawRepresentation: secret.prefix(32)),
                  signing.publicKey.rawRepresentation == Data(publicRaw)
            else { throw reader.malformed("the Ed25519 secret does not match its public key") }
            key = .ed25519(signing)
        case .ecdsaP256:
            let curve = try reader.readText()
            let point = try reader.readString()
            let scalar = try reader.readPositiveMPInt()
            guard curve == SSHKeyAlgorithm.p256CurveName, scalar.count <= 32,
                  let signing = try? P256.Signing.PrivateKey(rawRepresentation: SSHSignature.leftPadded(scalar)),
                  signing.publicKey.x963Representation == Data(point)
            else { throw reader.malformed("the ECDSA P-256 secret does not match its public key") }
            key = .ecdsaP256(signing)
        }
        let comment = try reader.readText()
        let padding = reader.readRemainingBytes()
        guard padding.count < blockSize, padding.enumerated().allSatisfy({ $0.element == UInt8($0.offset + 1) }) else {
            throw reader.malformed("its padding is not 1, 2, 3…")
        }
        return (key, comment)
    }

    private static func dearmored(_ text: String) throws(TetherError) -> [UInt8] {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(of: beginLine), let end = lines.firstIndex(of: endLine), begin < end else {
            throw TetherError(
                .malformed,
                "not an OpenSSH private key file: expected \(beginLine) … \(endLine) (PEM or PKCS#8 keys are not supported)."
            )
        }
        guard let data = Data(base64Encoded: lines[(begin + 1)..<end].joined()) else {
            throw TetherError(.malformed, "OpenSSH private key file holds invalid base64.")
        }
        return Array(data)
    }
}
