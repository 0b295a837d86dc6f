import NIOCore

/// What every session on a connection shares.
struct SessionServices: Sendable {
    let auditor: NodeAuditor
    /// How long a PTY session waits, after its process exited, for the
    /// terminal's last output (background jobs may keep the PTY open).
    var terminalDrainGrace: TimeAmount = .milliseconds(250)
}
