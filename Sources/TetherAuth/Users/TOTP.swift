import Crypto
import Foundation
import TetherCore

/// Time-based one-time passwords (RFC 6238): HMAC-SHA1 over the 30-second
/// step count, six digits, accepting one step of clock drift either way.
public struct TOTP: Sendable, Hashable {
    public let secret: [UInt8]
    public var digits: Int
    public var stepSeconds: Int64
    /// Steps accepted on either side of the current one.
    public var allowedDrift: Int64

    public init(secret: [UInt8], digits: Int = 6, stepSeconds: Int64 = 30, allowedDrift: Int64 = 1) {
        self.secret = secret
        self.digits = digits
        self.stepSeconds = stepSeconds
        self.allowedDrift = allowedDrift
    }

    /// A new random 160-bit secret (the RFC's recommended length for SHA-1).
    public static func generate() -> TOTP {
        var generator = SystemRandomNumberGenerator()
        return TOTP(secret: (0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// The secret as base32, as authenticator apps take it.
    public var base32Secret: String { Base32.encode(secret) }

    public init(base32Secret: String) throws(TetherError) {
        guard let secret = Base32.decode(base32Secret), !secret.isEmpty else {
            throw TetherError(.malformed, "a stored one-time password secret is damaged; enrol the user's authenticator again.")
        }
        self.init(secret: secret)
    }

    /// The `otpauth://` URI an authenticator app scans.
    public func provisioningURI(account: String, issuer: String) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let label = "\(issuer):\(account)".addingPercentEncoding(withAllowedCharacters: allowed) ?? account
        let issuerParameter = issuer.addingPercentEncoding(withAllowedCharacters: allowed) ?? issuer
        return "otpauth://totp/\(label)?secret=\(base32Secret)&issuer=\(issuerParameter)&algorithm=SHA1&digits=\(digits)&period=\(stepSeconds)"
    }

    /// The code for the step containing `time`.
    public func code(at time: Date) -> String {
        code(forStep: step(at: time))
    }

    /// The time step whose code `code` is, if it is valid at `time` (within
    /// the allowed drift); compared in constant time. The caller refuses a
    /// step at or before the last one used, so a code works once.
    public func matchingStep(_ code: String, at time: Date) -> Int64? {
        let presented = Array(code.utf8)
        let current = step(at: time)
        var matched: Int64?
        for drift in -allowedDrift...allowedDrift {
            // Every candidate is computed and compared, so timing does not tell which step matched.
            let candidate = current &+ drift
            if ConstantTime.equal(Array(self.code(forStep: candidate).utf8), presented) { matched = candidate }
        }
        return matched
    }

    private func step(at time: Date) -> Int64 {
        Int64((time.timeIntervalSince1970 / Double(stepSeconds)).rounded(.down))
    }

    private func code(forStep step: Int64) -> String {
        let counter = withUnsafeBytes(of: UInt64(bitPattern: step).bigEndian) { Array($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: counter, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let truncated = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16)
            | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus &*= 10 }
        let value = String(truncated % modulus)
        return String(repeating: "0", count: max(0, digits - value.count)) + value
    }
}
