import TetherCore

/// Translates the roles a user holds in the root cluster into roles of this
/// (leaf) cluster, following a trusted cluster's `role_map`.
///
/// Every entry whose `remote` pattern matches a remote role (as a whole
/// name) contributes its `local` roles; results add up, deduplicated in
/// first-seen order. Expansions that are empty or not valid role names are
/// dropped. A remote role that no entry matches grants nothing.
public struct RoleMap: Sendable {
    private struct Rule: Sendable {
        let remote: RemoteRolePattern
        let local: [LocalRoleTemplate]
    }

    private let rules: [Rule]

    /// Compiles `entries`, rejecting bad patterns, `local: "*"`, empty
    /// `local` lists and `$N` beyond the remote pattern's captures.
    public init(_ entries: [RoleMapEntry]) throws(TetherError) {
        do {
            try self.init(validating: entries, at: FieldPath.root.key("role_map"))
        } catch {
            throw TetherError(.invalidArgument, "\(error.path): \(error.message)")
        }
    }

    init(validating entries: [RoleMapEntry], at path: FieldPath) throws(FieldError) {
        var rules: [Rule] = []
        for (index, entry) in entries.enumerated() {
            let entryPath = path.index(index)
            let remote: RemoteRolePattern
            do {
                remote = try RemoteRolePattern(entry.remote)
            } catch {
                throw FieldError(entryPath.key("remote"), error)
            }
            guard !entry.local.isEmpty else {
                throw FieldError(entryPath.key("local"), "no local roles are listed; name at least one role to grant, or remove the entry.")
            }
            var local: [LocalRoleTemplate] = []
            for (position, text) in entry.local.enumerated() {
                do {
                    local.append(try LocalRoleTemplate(text, captureCount: remote.captureCount))
                } catch {
                    throw FieldError(entryPath.key("local").index(position), error)
                }
            }
            rules.append(Rule(remote: remote, local: local))
        }
        self.rules = rules
    }

    /// The local roles granted to someone holding `remoteRoles` in the root.
    public func map(remoteRoles: [String]) -> [String] {
        var granted: [String] = []
        var seen: Set<String> = []
        for rule in rules {
            for remoteRole in remoteRoles {
                guard let captures = rule.remote.captures(matching: remoteRole) else { continue }
                for template in rule.local {
                    let role = template.expand(captures)
                    if NameRules.isValid(role), seen.insert(role).inserted {
                        granted.append(role)
                    }
                }
            }
        }
        return granted
    }
}
