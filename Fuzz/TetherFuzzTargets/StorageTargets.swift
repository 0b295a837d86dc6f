import TetherStorage

extension FuzzTargets {
    static let storage = [auditEvent]

    /// Each event of a node's audit upload, read by Tether's own JSON
    /// parser (the events the auth service stores and hash-chains).
    static let auditEvent = FuzzTarget("audit-event", "audit events as nodes upload them (Tether's JSON parser, event validation)") { bytes in
        guard let event = try? AuditEvent(json: bytes) else { return }
        let written = CanonicalJSON.encode(.object(event.jsonObject))
        require((try? AuditEvent(json: written)) == event, "an accepted audit event reads back from its canonical JSON")
    }
}
