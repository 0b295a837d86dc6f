/// Writes the SSH wire encoding (RFC 4251 §5).
public struct SSHWireWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func writeUInt32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    public mutating func writeUInt64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    /// A length-prefixed byte string. Callers only hand in buffers far below
    /// 4 GiB (keys, certificates), so the length always fits a UInt32.
    public mutating func writeString(_ value: some Collection<UInt8>) {
        writeUInt32(UInt32(truncatingIfNeeded: value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func writeString(_ text: String) {
        writeString(Array(text.utf8))
    }

    /// A length-prefixed string holding what `build` writes.
    public mutating func writeNested(_ build: (inout SSHWireWriter) -> Void) {
        var inner = SSHWireWriter()
        build(&inner)
        writeString(inner.bytes)
    }

    /// A non-negative mpint from a big-endian magnitude: leading zeros are
    /// stripped and a zero byte is prepended when the top bit is set.
    public mutating func writePositiveMPInt(_ magnitude: some Collection<UInt8>) {
        let minimal = Array(magnitude.drop(while: { $0 == 0 }))
        if let first = minimal.first, first & 0x80 != 0 {
            writeString([0] + minimal)
        } else {
            writeString(minimal)
        }
    }

    public mutating func writeNameList(_ names: [String]) {
        writeString(names.joined(separator: ","))
    }

    public mutating func writeRawBytes(_ raw: some Collection<UInt8>) {
        bytes.append(contentsOf: raw)
    }
}
