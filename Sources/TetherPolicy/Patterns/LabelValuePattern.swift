/// One accepted value in a label selector: exact text, `*` for any value, or
/// `^regex$` matched against the whole value.
enum LabelValuePattern: Sendable {
    case any
    case exact(String)
    case regex(AnchoredRegex)

    init(_ text: String) throws(PatternError) {
        if text == "*" {
            self = .any
        } else if AnchoredRegex.isWritten(text) {
            self = .regex(try AnchoredRegex(written: text))
        } else if text.hasPrefix("^") || text.hasSuffix("$") {
            throw PatternError("\"\(text)\" looks like a regular expression but is not anchored at both ends; write ^...$ to match the whole value.")
        } else if text.contains("*") {
            throw PatternError("\"\(text)\" mixes * with text, but * only stands alone for any value; write a regular expression such as ^us-.*$ instead.")
        } else if text.isEmpty {
            throw PatternError("an empty label value matches nothing; give a value, * or ^regex$.")
        } else {
            self = .exact(text)
        }
    }

    func matches(_ value: String) -> Bool {
        switch self {
        case .any: true
        case .exact(let expected): value == expected
        case .regex(let regex): regex.matches(value)
        }
    }
}
