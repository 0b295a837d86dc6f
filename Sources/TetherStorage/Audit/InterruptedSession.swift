import Foundation

extension AuditEvent {
    /// The `session.end` of a session cut short (its node crashed or was
    /// removed), made from its `session.start`: same user, node and session,
    /// with `reason`, and `recording: incomplete` for a recorded session
    /// (its recording keeps only what the node had saved).
    public func interruptedSessionEnd(reason: String, at now: Date) -> AuditEvent {
        var end = self
        end.event = "session.end"
        end.time = now
        end.uid = UUID().uuidString
        end.fields = fields.filter { ["interactive", "subsystem"].contains($0.key) }
        end.fields["reason"] = .string(reason)
        // sftp sessions are not recorded.
        if fields["subsystem"] == nil { end.fields["recording"] = .string("incomplete") }
        return end
    }
}
