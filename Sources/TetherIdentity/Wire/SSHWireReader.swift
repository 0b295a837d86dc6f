import TetherCore

/// Reads the SSH wire encoding (RFC 4251 §5) from untrusted bytes.
///
/// Every read checks the remaining length first and throws
/// `TetherError(.malformed)` instead of trapping, so truncated input or
/// absurd length fields are reported, never crash the process.
public struct SSHWireReader: Sendable {
    private let bytes: [UInt8]
    private var offset: Int
    /// What is being read ("certificate", "private key file"), for error messages.
    private let context: String

    public init(_ bytes: [UInt8], context: String) {
        self.bytes = bytes
        self.offset = 0
        self.context = context
    }

    /// Number of bytes not read yet.
    public var remainingCount: Int { bytes.count - offset }

    /// Bytes consumed so far.
    public var consumedCount: Int { offset }

    public var isAtEnd: Bool { remainingCount == 0 }

    public mutating func readUInt32() throws(TetherError) -> UInt32 {
        try readRawBytes(4, what: "uint32").reduce(0) { $0 << 8 | UInt32($1) }
    }

    public mutating func readUInt64() throws(TetherError) -> UInt64 {
        try readRawBytes(8, what: "uint64").reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A length-prefixed byte string.
    public mutating func readString() throws(TetherError) -> [UInt8] {
        let length = try readUInt32()
        guard let count = Int(exactly: length) else { throw malformed("a string claims \(length) bytes") }
        return try readRawBytes(count, what: "string")
    }

    /// A length-prefixed string that must be valid UTF-8.
    public mutating func readText() throws(TetherError) -> String {
        let raw = try readString()
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw malformed("a text field is not valid UTF-8")
        }
        return text
    }

    /// A non-negative mpint as its minimal big-endian magnitude (no sign
    /// byte; empty for zero). Negative or non-minimal encodings are refused:
    /// accepting several encodings of one number would make signatures
    /// malleable.
    public mutating func readPositiveMPInt() throws(TetherError) -> [UInt8] {
        let raw = try readString()
        guard let first = raw.first else { return [] }
        guard first & 0x80 == 0 else { throw malformed("an mpint is negative") }
        if first == 0 {
            guard raw.count > 1, raw[1] & 0x80 != 0 else {
                throw malformed("an mpint has a superfluous leading zero byte")
            }
            return Array(raw.dropFirst())
        }
        return raw
    }

    /// A comma-separated name-list.
    public mutating func readNameList() throws(TetherError) -> [String] {
        let text = try readText()
        return text.isEmpty ? [] : text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }

    /// Exactly `count` raw bytes, without a length prefix.
    public mutating func readRawBytes(_ count: Int, what: String = "field") throws(TetherError) -> [UInt8] {
        guard count >= 0, count <= remainingCount else {
            throw malformed("a \(what) of \(count) bytes runs past the end (\(remainingCount) bytes left)")
        }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Everything not read yet.
    public mutating func readRemainingBytes() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }

    /// Throws unless every byte was consumed: trailing bytes mean the input is
    /// not what it claims to be.
    public func expectEnd() throws(TetherError) {
        guard isAtEnd else { throw malformed("\(remainingCount) unexpected bytes follow the last field") }
    }

    /// An error naming the context, for checks made by callers.
    public func malformed(_ detail: String) -> TetherError {
        TetherError(.malformed, "\(context) is malformed: \(detail).")
    }
}
