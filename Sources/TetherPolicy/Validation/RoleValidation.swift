extension RoleSpec: ValidatableSpec {
    func validate(at path: FieldPath) throws(FieldError) {
        try allow.validate(at: path.key("allow"))
        try deny.validate(at: path.key("deny"))
    }
}

extension RoleConditions {
    func validate(at path: FieldPath) throws(FieldError) {
        for (index, login) in logins.enumerated() {
            do {
                _ = try LoginTemplate(login)
            } catch {
                throw FieldError(path.key("logins").index(index), error)
            }
        }
        try nodeLabels.validate(at: path.key("node_labels"))
        for (index, rule) in rules.enumerated() {
            let rulePath = path.key("rules").index(index)
            guard !rule.resources.isEmpty, !rule.resources.contains("") else {
                throw FieldError(rulePath.key("resources"), "list the resources the rule applies to (or * for all), with no empty entries.")
            }
            guard !rule.verbs.isEmpty, !rule.verbs.contains("") else {
                throw FieldError(rulePath.key("verbs"), "list the verbs the rule applies to (or * for all), with no empty entries.")
            }
        }
    }
}

extension LabelSelector {
    func validate(at path: FieldPath) throws(FieldError) {
        _ = try CompiledSelector(self, at: path)
    }
}
