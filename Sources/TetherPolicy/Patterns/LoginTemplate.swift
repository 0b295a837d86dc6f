import Foundation

/// A login as written in a role: literal (`root`) or one trait template
/// with an optional literal prefix and suffix (`ops-{{external.team}}`).
/// `{{internal.KEY}}` and `{{external.KEY}}` both read trait KEY of the
/// identity; `{{internal.logins}}` is the usual one.
struct LoginTemplate: Hashable, Sendable {
    let prefix: String
    /// `nil` for a literal login.
    let traitKey: String?
    let suffix: String

    init(_ text: String) throws(PatternError) {
        guard let open = text.range(of: "{{") else {
            guard !text.contains("}}") else {
                throw PatternError("login \"\(text)\" has }} without an opening {{; write templates as {{internal.logins}}.")
            }
            try Self.checkLiteral(text, in: text)
            guard !text.isEmpty else { throw PatternError("a login is empty; remove it or write a name.") }
            (prefix, traitKey, suffix) = (text, nil, "")
            return
        }
        guard let close = text.range(of: "}}", range: open.upperBound..<text.endIndex) else {
            throw PatternError("login \"\(text)\" opens {{ without a closing }}; write templates as {{internal.logins}}.")
        }
        let before = String(text[..<open.lowerBound])
        let after = String(text[close.upperBound...])
        guard !before.contains("}}"), !after.contains("{{"), !after.contains("}}") else {
            throw PatternError("login \"\(text)\" holds more than one template; use one {{...}} per login.")
        }
        try Self.checkLiteral(before, in: text)
        try Self.checkLiteral(after, in: text)
        prefix = before
        traitKey = try Self.traitKey(in: text[open.upperBound..<close.lowerBound], of: text)
        suffix = after
    }

    /// The logins this template stands for given the identity's traits: a
    /// missing trait expands to nothing, and trait values that could not be
    /// logins (empty, spaces, braces) are left out.
    func expand(traits: [String: [String]]) -> [String] {
        guard let traitKey else { return [prefix] }
        return (traits[traitKey] ?? [])
            .filter { !$0.isEmpty && Self.isLiteral($0) }
            .map { prefix + $0 + suffix }
    }

    private static func traitKey(in inner: Substring, of text: String) throws(PatternError) -> String {
        let expression = inner.trimmingCharacters(in: .whitespaces)
        let parts = expression.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2,
              ["internal", "external"].contains(parts[0]),
              !parts[1].isEmpty,
              parts[1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
        else {
            throw PatternError("login \"\(text)\" uses an unknown template; write {{internal.KEY}} or {{external.KEY}}, e.g. {{internal.logins}}.")
        }
        return String(parts[1])
    }

    private static func isLiteral(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            !CharacterSet.whitespacesAndNewlines.contains(scalar)
                && !CharacterSet.controlCharacters.contains(scalar)
                && scalar != "{" && scalar != "}"
        }
    }

    private static func checkLiteral(_ part: String, in text: String) throws(PatternError) {
        guard isLiteral(part) else {
            throw PatternError("login \"\(text)\" contains spaces, control characters or stray braces; logins are single words.")
        }
    }
}
