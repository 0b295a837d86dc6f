/// A role's deny side: nodes matching its deny labels are refused for every
/// login, and its denied logins are refused on every node.
struct RoleDenyPolicy: NodeAccessPolicy {
    let role: CompiledRole

    func evaluate(_ request: NodeAccessRequest) -> PolicyDecision {
        if role.deniedNodes.matches(request.node.labels) {
            return .deny(reason: "role \"\(role.name)\" denies \(role.deniedNodes.describeMatch(of: request.node.labels))")
        }
        if role.deniedLogins.contains(request.login) {
            return .deny(reason: "role \"\(role.name)\" denies login \"\(request.login)\"")
        }
        return .abstain
    }
}

/// A role's allow side: the node's labels AND the login must both be
/// allowed by this same role, so two roles granting half each grant nothing.
struct RoleAllowPolicy: NodeAccessPolicy {
    let role: CompiledRole

    func evaluate(_ request: NodeAccessRequest) -> PolicyDecision {
        guard role.allowedNodes.matches(request.node.labels), role.allowedLogins.contains(request.login) else {
            return .abstain
        }
        return .allow(grantedBy: role.name)
    }
}
