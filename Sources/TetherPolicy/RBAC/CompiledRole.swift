/// A role prepared for one subject: selectors compiled and login templates
/// expanded with the subject's traits.
struct CompiledRole: Sendable {
    let name: String
    let options: RoleOptions
    let allowedNodes: CompiledSelector
    let deniedNodes: CompiledSelector
    let allowedLogins: [String]
    let deniedLogins: Set<String>
    let allowRules: [RoleRule]
    let denyRules: [RoleRule]

    init(_ role: Role, traits: [String: [String]]) throws(FieldError) {
        let spec = FieldPath.root.key("spec")
        name = role.name
        options = role.spec.options
        allowedNodes = try CompiledSelector(role.spec.allow.nodeLabels, at: spec.key("allow").key("node_labels"))
        deniedNodes = try CompiledSelector(role.spec.deny.nodeLabels, at: spec.key("deny").key("node_labels"))
        allowedLogins = try Self.expand(role.spec.allow.logins, traits: traits, at: spec.key("allow").key("logins"))
        deniedLogins = Set(try Self.expand(role.spec.deny.logins, traits: traits, at: spec.key("deny").key("logins")))
        allowRules = role.spec.allow.rules
        denyRules = role.spec.deny.rules
    }

    private static func expand(_ logins: [String], traits: [String: [String]], at path: FieldPath) throws(FieldError) -> [String] {
        var expanded: [String] = []
        for (index, login) in logins.enumerated() {
            do {
                expanded += try LoginTemplate(login).expand(traits: traits)
            } catch {
                throw FieldError(path.index(index), error)
            }
        }
        return expanded
    }
}

extension RoleRule {
    func matches(resource: String, verb: String) -> Bool {
        (resources.contains(resource) || resources.contains("*")) && (verbs.contains(verb) || verbs.contains("*"))
    }
}
