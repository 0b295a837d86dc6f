import Foundation

/// A regular expression that must match a WHOLE value, never a part of it.
/// Operators write it as `^...$`.
struct AnchoredRegex: Sendable {
    private let regex: NSRegularExpression

    /// Whether `text` is written as a regular expression (`^...$`).
    static func isWritten(_ text: String) -> Bool {
        text.count >= 2 && text.hasPrefix("^") && text.hasSuffix("$")
    }

    /// Compiles `^body$` as written by an operator.
    init(written text: String) throws(PatternError) {
        try self.init(body: String(text.dropFirst().dropLast()), shownAs: text)
    }

    /// Compiles `body` to match whole values. The body must compile on its
    /// own first, so that it cannot close the anchoring group we wrap it in
    /// (`x)|(.*` would otherwise match anything).
    init(body: String, shownAs text: String) throws(PatternError) {
        do {
            _ = try NSRegularExpression(pattern: body)
            regex = try NSRegularExpression(pattern: #"\A(?:"# + body + #")\z"#)
        } catch {
            throw PatternError("\"\(text)\" is not a valid regular expression; fix it or write an exact value.")
        }
    }

    var captureCount: Int { regex.numberOfCaptureGroups }

    /// The captured groups (unmatched ones as "") if `value` matches as a
    /// whole, `nil` otherwise.
    func captures(wholeMatchOf value: String) -> [String]? {
        let whole = NSRange(value.startIndex..., in: value)
        guard let match = regex.firstMatch(in: value, options: [.anchored], range: whole),
              match.range == whole
        else { return nil }
        return (1..<match.numberOfRanges).map { index in
            Range(match.range(at: index), in: value).map { String(value[$0]) } ?? ""
        }
    }

    func matches(_ value: String) -> Bool {
        captures(wholeMatchOf: value) != nil
    }
}
