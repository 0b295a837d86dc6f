import Foundation

/// The `remote` side of a role-map entry: an exact role name, a glob where
/// each `*` captures, or `^regex$`; always matched against the whole name.
enum RemoteRolePattern: Sendable {
    case exact(String)
    case pattern(AnchoredRegex)

    init(_ text: String) throws(PatternError) {
        if AnchoredRegex.isWritten(text) {
            self = .pattern(try AnchoredRegex(written: text))
        } else if text.hasPrefix("^") || text.hasSuffix("$") {
            throw PatternError("\"\(text)\" looks like a regular expression but is not anchored at both ends; write ^...$ to match the whole role name.")
        } else if text.contains("*") {
            let body = text.split(separator: "*", omittingEmptySubsequences: false)
                .map { NSRegularExpression.escapedPattern(for: String($0)) }
                .joined(separator: "(.*)")
            self = .pattern(try AnchoredRegex(body: body, shownAs: text))
        } else if text.isEmpty {
            throw PatternError("an empty remote role matches nothing; give a role name, a glob or ^regex$.")
        } else {
            self = .exact(text)
        }
    }

    var captureCount: Int {
        switch self {
        case .exact: 0
        case .pattern(let regex): regex.captureCount
        }
    }

    /// The captures (none for an exact name) if `role` matches, else `nil`.
    func captures(matching role: String) -> [String]? {
        switch self {
        case .exact(let name): name == role ? [] : nil
        case .pattern(let regex): regex.captures(wholeMatchOf: role)
        }
    }
}
