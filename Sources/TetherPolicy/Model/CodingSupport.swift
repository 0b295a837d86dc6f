import Foundation

extension KeyedDecodingContainer {
    /// Decodes `key`, or returns `fallback` when the key is absent or null:
    /// resource fields are optional in the text but never optional in the model.
    func decode<T: Decodable>(_ key: Key, or fallback: @autoclosure () -> T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback()
    }

    /// Decodes an RFC 3339 timestamp such as `2026-01-31T18:00:00Z`, if present.
    func decodeTimestampIfPresent(forKey key: Key) throws -> Date? {
        guard let text = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let date = Timestamp.parse(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "\"\(text)\" is not a timestamp; write RFC 3339 UTC time such as 2026-01-31T18:00:00Z."
            )
        }
        return date
    }
}

extension KeyedEncodingContainer {
    mutating func encodeTimestampIfPresent(_ date: Date?, forKey key: Key) throws {
        guard let date else { return }
        try encode(Timestamp.format(date), forKey: key)
    }
}

/// Timestamps in resources are RFC 3339 text kept to the second, so that
/// YAML, JSON and storage all agree on the same representation.
enum Timestamp {
    static func parse(_ text: String) -> Date? {
        guard let date = try? Date(text, strategy: .iso8601) else { return nil }
        return date.truncatedToSeconds
    }

    static func format(_ date: Date) -> String {
        date.truncatedToSeconds.formatted(.iso8601)
    }
}

extension Date {
    var truncatedToSeconds: Date {
        Date(timeIntervalSince1970: timeIntervalSince1970.rounded(.down))
    }
}

/// One string or a list of strings: operators write `region: us-east` for a
/// single value and `region: [us-east, us-central]` for several. A single
/// value is written back in the short form.
struct StringOrList: Codable {
    var values: [String]

    init(_ values: [String]) { self.values = values }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let single = try? container.decode(String.self) {
            values = [single]
        } else if let list = try? container.decode([String].self) {
            values = list
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected a string or a list of strings."
            )
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if values.count == 1 {
            try container.encode(values[0])
        } else {
            try container.encode(values)
        }
    }
}

/// Decodes one of a closed set of words in a resource (`type: node`) or a
/// configuration (`log_level: info`), naming the accepted words when the
/// text is none of them instead of Swift's generic message.
public func decodeWord<Word: CaseIterable & RawRepresentable<String>>(from decoder: any Decoder) throws -> Word {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    guard let word = Word(rawValue: text) else {
        let accepted = Word.allCases.map(\.rawValue).joined(separator: ", ")
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(text)\" is not one of \(accepted).")
    }
    return word
}
