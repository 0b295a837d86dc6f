import TetherCore

/// A `LabelSelector` with its patterns compiled, ready to match many nodes.
struct CompiledSelector: Sendable {
    private struct Requirement: Sendable {
        let key: String
        let accepted: [LabelValuePattern]
    }

    /// Sorted by key so that messages are stable.
    private let requirements: [Requirement]

    init(_ selector: LabelSelector, at path: FieldPath) throws(FieldError) {
        var requirements: [Requirement] = []
        for (key, values) in selector.requirements.sorted(by: { $0.key < $1.key }) {
            let keyPath = path.key(key)
            guard !key.isEmpty else {
                throw FieldError(path, "a label key is empty; name the label, or use \"*\": \"*\" for every node.")
            }
            guard !values.isEmpty else {
                throw FieldError(keyPath, "no values are listed; give a value, a list of values, * or ^regex$.")
            }
            if key == "*", values != ["*"] {
                throw FieldError(keyPath, "the wildcard key * only takes the value *, which selects every node.")
            }
            var accepted: [LabelValuePattern] = []
            for (index, value) in values.enumerated() {
                do {
                    accepted.append(try LabelValuePattern(value))
                } catch {
                    throw FieldError(values.count > 1 ? keyPath.index(index) : keyPath, error)
                }
            }
            requirements.append(Requirement(key: key, accepted: accepted))
        }
        self.requirements = requirements
    }

    /// Every key must be present with an accepted value (the key `*` is met
    /// by any node); an empty selector matches nothing.
    func matches(_ labels: Labels) -> Bool {
        !requirements.isEmpty && requirements.allSatisfy { requirement in
            guard requirement.key != "*" else { return true }
            guard let value = labels[requirement.key] else { return false }
            return requirement.accepted.contains { $0.matches(value) }
        }
    }

    /// How a matched node is described in a message: `nodes labelled
    /// lifecycle=decommissioned`, or `every node` for the wildcard.
    func describeMatch(of labels: Labels) -> String {
        let shown = requirements.compactMap { requirement in
            labels[requirement.key].map { "\(requirement.key)=\($0)" }
        }
        return shown.isEmpty ? "every node" : "nodes labelled " + shown.joined(separator: ",")
    }
}
