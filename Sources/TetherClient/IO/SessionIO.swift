/// Where a session's bytes come from and go to: the terminal for the
/// `tether` command, memory in tests.
public struct SessionIO: Sendable {
    public typealias Sink = @Sendable ([UInt8]) async throws -> Void

    /// Ends at end of input; the session then sends EOF to the node.
    public var input: AsyncStream<[UInt8]>
    public var output: Sink
    public var errorOutput: Sink
    /// New terminal sizes (SIGWINCH), for PTY sessions.
    public var windowChanges: AsyncStream<WindowSize>?

    public init(input: AsyncStream<[UInt8]>, output: @escaping Sink, errorOutput: @escaping Sink, windowChanges: AsyncStream<WindowSize>? = nil) {
        self.input = input
        self.output = output
        self.errorOutput = errorOutput
        self.windowChanges = windowChanges
    }
}
