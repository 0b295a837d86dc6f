import TetherCore

/// Names of resources, roles and clusters: letters, digits and `. _ @ -`.
public enum NameRules {
    static let maximumLength = 253

    static func isNameCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || "._@-".contains(character))
    }

    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.count <= maximumLength
            && name.allSatisfy(isNameCharacter)
            && !name.allSatisfy { $0 == "." }
    }

    /// Throws unless `name` is a valid name; `what` says what it names.
    public static func check(_ name: String, at path: FieldPath, naming what: String) throws(FieldError) {
        guard !name.isEmpty else {
            throw FieldError(path, "the \(what) is empty; give a name of letters, digits and . _ @ -.")
        }
        guard isValid(name) else {
            throw FieldError(path, "\"\(name)\" is not a valid \(what); use at most \(maximumLength) letters, digits and . _ @ -.")
        }
    }

    /// Throws unless `name` follows `NodeName`'s stricter rule.
    public static func checkNode(_ name: String, at path: FieldPath) throws(FieldError) {
        guard NodeName.isValid(name) else { throw FieldError(path, NodeName.problem(name)) }
    }
}
