/// The `local` side of a role-map entry: a role name in which `$1`, `$2`...
/// stand for the parts captured from the remote role.
struct LocalRoleTemplate: Sendable {
    private enum Part: Sendable {
        case literal(String)
        case capture(Int)
    }

    private let parts: [Part]

    init(_ text: String, captureCount: Int) throws(PatternError) {
        guard text != "*" else {
            throw PatternError("local role \"*\" would grant every local role; name the roles to grant.")
        }
        guard !text.isEmpty else {
            throw PatternError("a local role is empty; name the role to grant.")
        }
        var parts: [Part] = []
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            parts.append(.literal(String(rest[..<dollar])))
            let digits = rest[rest.index(after: dollar)...].prefix(while: { $0.isASCII && $0.isNumber })
            guard let number = Int(digits), number >= 1 else {
                throw PatternError("local role \"\(text)\" has a $ not followed by a capture number; write $1, $2...")
            }
            guard number <= captureCount else {
                throw PatternError("local role \"\(text)\" uses $\(number) but the remote pattern captures \(captureCount) part(s).")
            }
            parts.append(.capture(number))
            rest = rest[digits.endIndex...]
        }
        parts.append(.literal(String(rest)))
        for case .literal(let literal) in parts where !literal.allSatisfy(NameRules.isNameCharacter) {
            throw PatternError("local role \"\(text)\" contains characters a role name cannot have; use letters, digits, . _ @ - and $1, $2...")
        }
        self.parts = parts.filter { if case .literal("") = $0 { false } else { true } }
    }

    /// The role name for these captures, in one pass: `$` in captured text
    /// is never expanded again.
    func expand(_ captures: [String]) -> String {
        parts.map { part in
            switch part {
            case .literal(let text): text
            case .capture(let number): captures.indices.contains(number - 1) ? captures[number - 1] : ""
            }
        }.joined()
    }
}
