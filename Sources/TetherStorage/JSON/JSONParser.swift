import Foundation
import TetherCore

/// A strict JSON parser for `JSONValue`: integers only (a fraction or an
/// exponent is rejected), nesting limited, every failure a `.malformed` error
/// naming the byte offset. Used to read stored events back, including rows
/// someone may have edited by hand, so it must never trap.
public enum JSONParser {
    static let maximumDepth = 64

    public static func parse(_ bytes: some Collection<UInt8>) throws(TetherError) -> JSONValue {
        var cursor = Cursor(bytes: Array(bytes))
        cursor.skipWhitespace()
        let value = try cursor.parseValue(depth: 0)
        cursor.skipWhitespace()
        guard cursor.atEnd else { throw cursor.failure("unexpected text after the JSON value") }
        return value
    }

    private struct Cursor {
        let bytes: [UInt8]
        var position = 0

        var atEnd: Bool { position >= bytes.count }
        var current: UInt8? { atEnd ? nil : bytes[position] }

        func failure(_ what: String) -> TetherError {
            TetherError(.malformed, "JSON is malformed at byte \(position): \(what).")
        }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                position += 1
            }
        }

        mutating func expect(_ byte: UInt8) throws(TetherError) {
            guard current == byte else { throw failure("expected \"\(Character(Unicode.Scalar(byte)))\"") }
            position += 1
        }

        mutating func parseValue(depth: Int) throws(TetherError) -> JSONValue {
            guard depth < JSONParser.maximumDepth else { throw failure("nesting deeper than \(JSONParser.maximumDepth) levels") }
            guard let byte = current else { throw failure("unexpected end of input") }
            switch byte {
            case UInt8(ascii: "{"): return try parseObject(depth: depth)
            case UInt8(ascii: "["): return try parseArray(depth: depth)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
            case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
            case UInt8(ascii: "n"): try parseLiteral("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseInteger())
            default: throw failure("unexpected character")
            }
        }

        mutating func parseLiteral(_ literal: String) throws(TetherError) {
            for byte in literal.utf8 {
                guard current == byte else { throw failure("expected \(literal)") }
                position += 1
            }
        }

        mutating func parseObject(depth: Int) throws(TetherError) -> JSONValue {
            try expect(UInt8(ascii: "{"))
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if current == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw failure("expected an object key") }
                let key = try parseString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                guard members[key] == nil else { throw failure("duplicate key \"\(key)\"") }
                members[key] = try parseValue(depth: depth + 1)
                skipWhitespace()
                if current == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "}"))
                return .object(members)
            }
        }

        mutating func parseArray(depth: Int) throws(TetherError) -> JSONValue {
            try expect(UInt8(ascii: "["))
            var elements: [JSONValue] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") { position += 1; return .array(elements) }
            while true {
                skipWhitespace()
                elements.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                if current == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "]"))
                return .array(elements)
            }
        }

        mutating func parseInteger() throws(TetherError) -> Int64 {
            let start = position
            if current == UInt8(ascii: "-") { position += 1 }
            let digitsStart = position
            while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
            guard position > digitsStart else { throw failure("expected digits") }
            guard !(bytes[digitsStart] == UInt8(ascii: "0") && position - digitsStart > 1) else {
                throw failure("leading zero in a number")
            }
            if let byte = current, byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                throw failure("only integers are allowed")
            }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            guard let value = Int64(text) else { throw failure("integer \(text) is out of the 64-bit range") }
            return value
        }

        mutating func parseString() throws(TetherError) -> String {
            try expect(UInt8(ascii: "\""))
            var utf8: [UInt8] = []
            while true {
                guard let byte = current else { throw failure("unterminated string") }
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = String(bytes: utf8, encoding: .utf8) else { throw failure("string is not valid UTF-8") }
                    return text
                case UInt8(ascii: "\\"):
                    try parseEscape(into: &utf8)
                case 0x00..<0x20:
                    throw failure("unescaped control character in a string")
                default:
                    utf8.append(byte)
                }
            }
        }

        mutating func parseEscape(into utf8: inout [UInt8]) throws(TetherError) {
            guard let byte = current else { throw failure("unterminated escape") }
            position += 1
            if let replacement = Self.simpleEscapes[byte] {
                utf8.append(replacement)
                return
            }
            guard byte == UInt8(ascii: "u") else { throw failure("unknown escape") }
            var scalar = UInt32(try parseHex4())
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate.
                try parseLiteral("\\u")
                let low = UInt32(try parseHex4())
                guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure("invalid \\u escape") }
            utf8.append(contentsOf: Array(String(Character(unicode)).utf8))
        }

        mutating func parseHex4() throws(TetherError) -> UInt16 {
            var value: UInt16 = 0
            for _ in 0..<4 {
                guard let byte = current, let digit = Self.hexValue(byte) else { throw failure("expected four hex digits") }
                value = value << 4 | UInt16(digit)
                position += 1
            }
            return value
        }

        static let simpleEscapes: [UInt8: UInt8] = [
            UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C, UInt8(ascii: "/"): 0x2F,
            UInt8(ascii: "b"): 0x08, UInt8(ascii: "f"): 0x0C, UInt8(ascii: "n"): 0x0A,
            UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
        ]

        static func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
    }
}
