/// One event of a recorded session, at a time offset from its start.
public struct RecordingFrame: Sendable, Hashable {
    /// Milliseconds since the session started.
    public var offsetMilliseconds: Int64
    public var kind: Kind

    public init(offsetMilliseconds: Int64, kind: Kind) {
        self.offsetMilliseconds = offsetMilliseconds
        self.kind = kind
    }

    public enum Kind: Sendable, Hashable {
        case start(login: String, node: String, term: String, size: TerminalSize)
        /// Bytes the session wrote to the user's terminal.
        case output([UInt8])
        /// Bytes the user typed (recorded only when the caller chooses to).
        case input([UInt8])
        case resize(TerminalSize)
        /// nil when the session ended without an exit status (e.g. a signal or a dropped connection).
        case end(exitStatus: Int32?)
    }
}

public struct TerminalSize: Sendable, Hashable {
    public var columns: UInt32
    public var rows: UInt32

    public init(columns: UInt32, rows: UInt32) {
        self.columns = columns
        self.rows = rows
    }
}
