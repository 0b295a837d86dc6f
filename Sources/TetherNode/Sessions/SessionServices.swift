import NIOCore

/// What every session on a connection shares.
struct SessionServices: Sendable {
    let auditor: NodeAuditor
    /// How long a PTY session waits, after its process exited, for the
    /// terminal's last output (background jobs may keep the PTY open).
    var terminalDrainGrace: TimeAmount = .milliseconds(250)
    /// Most client input held for a process that does not take it yet.
    var inputBufferLimit = 64 * 1024
    /// How often a session's recording is written while it runs.
    var recordingFlushInterval: TimeAmount = .seconds(1)
}
