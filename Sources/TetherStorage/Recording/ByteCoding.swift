import Foundation
import TetherCore

/// Appends LEB128 varints, length-prefixed byte strings and single bytes.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func data(_ value: [UInt8]) {
        varint(UInt64(value.count))
        bytes += value
    }

    mutating func string(_ value: String) { data(Array(value.utf8)) }
}

/// Reads what `ByteWriter` wrote, bounds-checking every length (the bytes
/// come from storage that may have been tampered with).
struct ByteReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { position >= bytes.count }

    private func truncated(_ what: String) -> TetherError {
        TetherError(.malformed, "recording data is truncated or corrupted at byte \(position) (reading \(what)).")
    }

    mutating func byte() throws(TetherError) -> UInt8 {
        guard position < bytes.count else { throw truncated("a byte") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws(TetherError) -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: UInt64(0), to: 64, by: 7) {
            let next = try byte()
            let bits = UInt64(next & 0x7F)
            guard shift < 63 || bits <= 1 else { throw truncated("a number too large for 64 bits") }
            value |= bits << shift
            if next & 0x80 == 0 { return value }
        }
        throw truncated("a number too large for 64 bits")
    }

    mutating func varint<T: FixedWidthInteger>(as type: T.Type) throws(TetherError) -> T {
        guard let value = T(exactly: try varint()) else { throw truncated("a number out of range") }
        return value
    }

    mutating func data() throws(TetherError) -> [UInt8] {
        let count = try varint()
        guard count <= UInt64(bytes.count - position) else { throw truncated("\(count) bytes") }
        let end = position + Int(count)
        defer { position = end }
        return Array(bytes[position..<end])
    }

    mutating func string() throws(TetherError) -> String {
        let utf8 = try data()
        guard let text = String(bytes: utf8, encoding: .utf8) else { throw truncated("text that is not UTF-8") }
        return text
    }
}
