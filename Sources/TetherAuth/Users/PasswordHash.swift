import Crypto
import _CryptoExtras
import Foundation
import TetherCore

/// A password hashed with scrypt, stored as text that carries its own
/// parameters (`scrypt$<log2 N>$<r>$<p>$<salt>$<hash>`, base64), so the
/// cost can be raised later without breaking existing hashes.
public struct PasswordHash: Sendable, Hashable {
    public struct Parameters: Sendable, Hashable {
        /// N = 2^costExponent.
        public var costExponent: Int
        public var blockSize: Int
        public var parallelism: Int

        public init(costExponent: Int, blockSize: Int, parallelism: Int) {
            self.costExponent = costExponent
            self.blockSize = blockSize
            self.parallelism = parallelism
        }

        /// N = 2^17, r = 8, p = 1: 128 MiB and about a quarter of a second
        /// per hash (release build). Hashes made with less are re-hashed with
        /// the cluster's cost at the user's next successful login.
        public static let standard = Parameters(costExponent: 17, blockSize: 8, parallelism: 1)

        /// `standard` with N = 2^`costExponent`.
        public static func scrypt(costExponent: Int) -> Parameters {
            Parameters(costExponent: costExponent, blockSize: standard.blockSize, parallelism: standard.parallelism)
        }

        /// Whether a hash made with these costs less than `target`.
        public func isWeaker(than target: Parameters) -> Bool {
            costExponent < target.costExponent || blockSize < target.blockSize
        }

        /// Bounds for hashes read from storage, so an edited row cannot make
        /// one login take minutes or gigabytes.
        fileprivate var isReasonable: Bool {
            (10...20).contains(costExponent) && (1...16).contains(blockSize) && (1...4).contains(parallelism)
        }
    }

    public let parameters: Parameters
    let salt: [UInt8]
    let hash: [UInt8]

    static let saltLength = 16
    static let hashLength = 32
    private static let scheme = "scrypt"

    /// Hashes `password` with a fresh random salt.
    public init(hashing password: String, parameters: Parameters = .standard) throws(TetherError) {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<Self.saltLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        self.init(parameters: parameters, salt: salt, hash: try Self.derive(password, salt: salt, parameters))
    }

    private init(parameters: Parameters, salt: [UInt8], hash: [UInt8]) {
        self.parameters = parameters
        self.salt = salt
        self.hash = hash
    }

    /// Parses the stored text form.
    public init(encoded text: String) throws(TetherError) {
        let malformed = TetherError(.malformed, "a stored password hash is damaged; set the password again with tetherctl users set-password.")
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == Self.scheme,
              let exponent = Int(parts[1]), let blockSize = Int(parts[2]), let parallelism = Int(parts[3]),
              let salt = Data(base64Encoded: String(parts[4])), let hash = Data(base64Encoded: String(parts[5])),
              !salt.isEmpty, hash.count == Self.hashLength
        else { throw malformed }
        let parameters = Parameters(costExponent: exponent, blockSize: blockSize, parallelism: parallelism)
        guard parameters.isReasonable else { throw malformed }
        self.init(parameters: parameters, salt: Array(salt), hash: Array(hash))
    }

    public var encoded: String {
        [Self.scheme, "\(parameters.costExponent)", "\(parameters.blockSize)", "\(parameters.parallelism)",
         Data(salt).base64EncodedString(), Data(hash).base64EncodedString()].joined(separator: "$")
    }

    /// Whether `password` is the hashed one (compared in constant time).
    public func matches(_ password: String) -> Bool {
        guard let candidate = try? Self.derive(password, salt: salt, parameters) else { return false }
        return ConstantTime.equal(candidate, hash)
    }

    /// Derives and discards a hash: the time a check of a stored hash with
    /// `parameters` takes, spent where there is nothing to check.
    public static func spendTime(deriving password: String, salt: String, _ parameters: Parameters) {
        _ = try? derive(password, salt: Array(salt.utf8), parameters)
    }

    private static func derive(_ password: String, salt: [UInt8], _ parameters: Parameters) throws(TetherError) -> [UInt8] {
        do {
            let key = try KDF.Scrypt.deriveKey(
                from: Array(password.utf8), salt: salt, outputByteCount: hashLength,
                rounds: 1 << parameters.costExponent, blockSize: parameters.blockSize, parallelism: parameters.parallelism
            )
            return key.withUnsafeBytes { Array($0) }
        } catch {
            throw TetherError(.internal, "scrypt failed: \(error).")
        }
    }
}
