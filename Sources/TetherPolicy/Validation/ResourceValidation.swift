import TetherCore

/// Rules a spec must satisfy beyond what decoding checks.
protocol ValidatableSpec {
    /// Throws the first problem found; `path` locates the spec in the document.
    func validate(at path: FieldPath) throws(FieldError)
}

extension ResourceEnvelope where Spec: ValidatableSpec {
    func validate() throws(FieldError) {
        try metadata.validate(at: FieldPath.root.key("metadata"), kind: Spec.kind)
        try spec.validate(at: FieldPath.root.key("spec"))
    }
}

extension ResourceMetadata {
    func validate(at path: FieldPath, kind: ResourceKind) throws(FieldError) {
        if kind == .node {
            try NameRules.checkNode(name, at: path.key("name"))
        } else {
            try NameRules.check(name, at: path.key("name"), naming: "\(kind) name")
        }
        try LabelRules.checkKeys(labels.keys, at: path.key("labels"))
    }
}

enum LabelRules {
    static func checkKeys(_ keys: some Sequence<String>, at path: FieldPath) throws(FieldError) {
        for key in keys where key.isEmpty || key.contains(where: \.isWhitespace) {
            throw FieldError(path, "label key \"\(key)\" is empty or contains spaces; use a single word such as region.")
        }
    }
}

extension Resource {
    /// Checks the rules decoding cannot express (names, patterns, templates,
    /// addresses...), for resources built in code rather than read from text.
    public func validate() throws(TetherError) {
        do {
            try validateFields()
        } catch {
            throw TetherError(.invalidArgument, "\(kind) \"\(name)\", \(error.path): \(error.message)")
        }
    }

    func validateFields() throws(FieldError) {
        try payload.validate()
    }
}
