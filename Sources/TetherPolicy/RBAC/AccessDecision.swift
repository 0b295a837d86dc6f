/// The answer to "may this identity do this?".
public enum AccessDecision: Hashable, Sendable {
    /// Allowed; `role` names the role (or policy) that granted it.
    case allowed(role: String)
    /// Denied; `reason` names the role, label, login or lock responsible,
    /// e.g. `role "acme-tech" denies nodes labelled lifecycle=decommissioned`.
    case denied(reason: String)

    public var isAllowed: Bool {
        if case .allowed = self { true } else { false }
    }
}
