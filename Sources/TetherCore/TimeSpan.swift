/// A length of time written the way operators write it: `90s`, `15m`, `8h`,
/// `90d`, or combined (`1h30m`). Encodes to and decodes from that text.
public struct TimeSpan: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var seconds: Int64

    public init(seconds: Int64) { self.seconds = seconds }

    public static func minutes(_ n: Int64) -> TimeSpan { TimeSpan(seconds: n * 60) }
    public static func hours(_ n: Int64) -> TimeSpan { TimeSpan(seconds: n * 3600) }

    private static let units: [(suffix: Character, seconds: Int64)] = [
        ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1),
    ]

    /// Parses `8h`, `1h30m`, `90d`, `45s`. Rejects empty text, bare numbers,
    /// unknown units, zero and overflow with a message naming the text.
    public init(parsing text: String) throws(TetherError) {
        let invalid = TetherError(
            .invalidArgument,
            "\"\(text)\" is not a duration; write a number followed by s, m, h or d, e.g. 90s, 15m, 8h, 90d or 1h30m."
        )
        var total: Int64 = 0
        var digits = ""
        var sawUnit = false
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            guard let unit = Self.units.first(where: { $0.suffix == character }),
                  let value = Int64(digits)
            else { throw invalid }
            let (product, overflow1) = value.multipliedReportingOverflow(by: unit.seconds)
            let (sum, overflow2) = total.addingReportingOverflow(product)
            guard !overflow1, !overflow2 else { throw invalid }
            total = sum
            digits = ""
            sawUnit = true
        }
        guard sawUnit, digits.isEmpty, total > 0 else { throw invalid }
        self.seconds = total
    }

    /// The shortest form using the largest whole units, e.g. `1h30m`.
    public var description: String {
        guard seconds > 0 else { return "0s" }
        var rest = seconds
        var text = ""
        for unit in Self.units where rest >= unit.seconds {
            text += "\(rest / unit.seconds)\(unit.suffix)"
            rest %= unit.seconds
        }
        return text
    }

    public var timeInterval: Double { Double(seconds) }

    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.seconds < rhs.seconds }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            self = try TimeSpan(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
