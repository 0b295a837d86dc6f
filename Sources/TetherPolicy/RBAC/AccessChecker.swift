import TetherCore

/// Answers access questions for one subject, from their roles and traits.
///
/// Deny beats allow everywhere: a role whose deny labels match a node
/// refuses that node for every login; a denied login is refused on every
/// node; additional policies (e.g. `LockPolicy`) join the same `DenyWins`
/// combination, so their denials also beat every role's allow.
public struct AccessChecker: Sendable {
    public let subject: AccessSubject
    private let roles: [CompiledRole]
    private let nodePolicy: DenyWins

    /// Prepares the subject's roles; throws if a role holds a pattern or
    /// template that validation would have refused.
    public init(subject: AccessSubject, additionalPolicies: [any NodeAccessPolicy] = []) throws(TetherError) {
        var roles: [CompiledRole] = []
        for role in subject.roles {
            do {
                roles.append(try CompiledRole(role, traits: subject.traits))
            } catch {
                throw TetherError(.invalidArgument, "role \"\(role.name)\", \(error.path): \(error.message)")
            }
        }
        self.subject = subject
        self.roles = roles
        let denials: [any NodeAccessPolicy] = roles.map(RoleDenyPolicy.init)
        let grants: [any NodeAccessPolicy] = roles.map(RoleAllowPolicy.init)
        nodePolicy = DenyWins(denials + additionalPolicies + grants)
    }

    /// May the subject log in as `login` on `node`?
    public func checkAccess(login: String, node: NodeTarget) -> AccessDecision {
        switch nodePolicy.evaluate(NodeAccessRequest(user: subject.user, login: login, node: node, originCluster: subject.originCluster)) {
        case .allow(let role):
            return .allowed(role: role)
        case .deny(let reason):
            return .denied(reason: reason)
        case .abstain:
            return .denied(reason: "no role of \(subject.user) allows login \"\(login)\" on node \(node.name)")
        }
    }

    /// Whether the node shows up in the subject's listings: some role's
    /// allow labels match it and no role's deny labels do.
    public func canSee(_ node: NodeTarget) -> Bool {
        roles.contains { $0.allowedNodes.matches(node.labels) }
            && !roles.contains { $0.deniedNodes.matches(node.labels) }
    }

    /// Every login some role allows (templates expanded), minus denied ones,
    /// in the order the roles list them.
    public var allowedLogins: [String] {
        let denied = roles.reduce(into: Set<String>()) { $0.formUnion($1.deniedLogins) }
        var seen: Set<String> = []
        return roles.flatMap(\.allowedLogins).filter { !denied.contains($0) && seen.insert($0).inserted }
    }

    /// The shortest `max_session_ttl` among the roles (the default with none).
    public var maxSessionTTL: TimeSpan {
        roles.map(\.options.maxSessionTTL).min() ?? RoleOptions.defaultMaxSessionTTL
    }

    /// Deny wins: allowed only if some role says `port_forwarding: true` and
    /// no role says `false`. Roles that do not mention it do not count.
    public var portForwardingAllowed: Bool {
        let said = roles.compactMap(\.options.portForwarding)
        return said.contains(true) && !said.contains(false)
    }

    /// May the subject perform `verb` on `resource` (e.g. `create` on
    /// `role`)? Deny rules win; `*` matches any resource or verb.
    public func checkRule(resource: String, verb: String) -> AccessDecision {
        if let role = roles.first(where: { $0.denyRules.contains { $0.matches(resource: resource, verb: verb) } }) {
            return .denied(reason: "role \"\(role.name)\" denies \(verb) on \(resource)")
        }
        if let role = roles.first(where: { $0.allowRules.contains { $0.matches(resource: resource, verb: verb) } }) {
            return .allowed(role: role.name)
        }
        return .denied(reason: "no role of \(subject.user) allows \(verb) on \(resource)")
    }

    /// `checkRule(resource:verb:)` as a yes/no.
    public func allows(resource: String, verb: String) -> Bool {
        checkRule(resource: resource, verb: verb).isAllowed
    }
}
