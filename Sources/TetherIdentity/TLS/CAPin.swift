import Crypto
import SwiftASN1
import TetherCore
import X509

/// Pins a cluster CA by its key: `sha256:<hex of SHA-256 over the DER
/// SubjectPublicKeyInfo>`. Survives re-issuing the CA certificate with the
/// same key; compared in constant time.
public struct CAPin: Hashable, Sendable, CustomStringConvertible {
    /// The 32-byte SHA-256 digest.
    public let digest: [UInt8]

    private static let prefix = "sha256:"

    public init(publicKey: Certificate.PublicKey) throws(TetherError) {
        do {
            var serializer = DER.Serializer()
            try serializer.serialize(publicKey)
            digest = Array(SHA256.hash(data: serializer.serializedBytes))
        } catch {
            throw TetherError(.internal, "cannot encode the CA public key to compute its pin: \(error).")
        }
    }

    public init(certificate: Certificate) throws(TetherError) {
        try self.init(publicKey: certificate.publicKey)
    }

    /// Parses `sha256:` followed by 64 hex digits (either case).
    public init(parsing text: String) throws(TetherError) {
        let invalid = TetherError(.invalidArgument, "CA pin \"\(text)\" is not of the form sha256:<64 hex digits>; copy it from `tetherctl status`.")
        guard text.lowercased().hasPrefix(Self.prefix) else { throw invalid }
        let hex = Array(text.utf8.dropFirst(Self.prefix.count))
        guard hex.count == 64 else { throw invalid }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: hex.count, by: 2) {
            guard let high = Self.nibble(hex[index]), let low = Self.nibble(hex[index + 1]) else { throw invalid }
            bytes.append(high << 4 | low)
        }
        digest = bytes
    }

    /// `sha256:` and lowercase hex.
    public var description: String {
        Self.prefix + digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Whether `certificate`'s key is the pinned one.
    public func matches(_ certificate: Certificate) -> Bool {
        guard let other = try? CAPin(certificate: certificate) else { return false }
        return self == other
    }

    /// Constant time, so a network peer cannot learn a pin byte by byte.
    public static func == (lhs: CAPin, rhs: CAPin) -> Bool {
        guard lhs.digest.count == rhs.digest.count else { return false }
        return zip(lhs.digest, rhs.digest).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(digest) }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
