import Crypto

/// A SHA-256 link of the audit hash chain:
/// `hash(n) = SHA-256(hash(n-1) ‖ canonical JSON of event n including its seq)`,
/// with 32 zero bytes before the first event.
public struct AuditHash: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    /// The "previous hash" of the first record.
    public static let genesis = AuditHash(uncheckedBytes: [UInt8](repeating: 0, count: 32))

    private init(uncheckedBytes: [UInt8]) { bytes = uncheckedBytes }

    /// The hash of the record whose canonical JSON is `recordJSON`, following `previous`.
    public static func link(previous: AuditHash, recordJSON: [UInt8]) -> AuditHash {
        var hasher = SHA256()
        hasher.update(data: previous.bytes)
        hasher.update(data: recordJSON)
        return AuditHash(uncheckedBytes: Array(hasher.finalize()))
    }

    /// Lower-case hex, 64 characters.
    public var hex: String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] })
    }

    public var description: String { hex }
}
