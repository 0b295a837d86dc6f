/// What to run on the node: a command, or the login shell.
public struct SessionRequest: Sendable, Equatable {
    /// nil runs the login shell.
    public var command: String?
    /// A PTY of this kind and size, or nil for plain pipes.
    public var terminal: TerminalRequest?

    public init(command: String?, terminal: TerminalRequest?) {
        self.command = command
        self.terminal = terminal
    }
}

public struct TerminalRequest: Sendable, Equatable {
    /// `$TERM`, e.g. xterm-256color.
    public var term: String
    public var size: WindowSize

    public init(term: String, size: WindowSize) {
        self.term = term
        self.size = size
    }
}

public struct WindowSize: Sendable, Equatable {
    public var columns: Int
    public var rows: Int
    public var pixelWidth: Int
    public var pixelHeight: Int

    public init(columns: Int, rows: Int, pixelWidth: Int = 0, pixelHeight: Int = 0) {
        self.columns = columns
        self.rows = rows
        self.pixelWidth = pixelWidth
        self.pixelHeight = pixelHeight
    }
}
