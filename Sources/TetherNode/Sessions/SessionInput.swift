import NIOCore

/// The client's input on its way to the session's process, and the
/// back-pressure on the channel: what the client sent before the process
/// ran (typed-ahead keys, piped input) or before its input pipe was
/// attached waits here, up to a limit; past it, or while the pipe is full,
/// the channel's reads are held, so the client's SSH window fills and it
/// waits. Part of `SessionStateMachine`: no I/O.
struct SessionInput {
    enum Action: Equatable {
        case writeToProcess(ByteBuffer)
        /// The client's EOF: close the process's stdin.
        case endProcessInput
        /// Passes on a read of the channel that was held.
        case readFromClient
    }

    private let limit: Int
    private var waiting: [ByteBuffer] = []
    private var waitingBytes = 0
    /// The client's EOF arrived before the pipe could take it.
    private var endedEarly = false
    /// The process's input pipe is attached: bytes go straight to it.
    private var attached = false
    private var pipeWritable = true
    /// The channel asked to read while input was paused.
    private var readHeld = false

    init(limit: Int) {
        self.limit = limit
    }

    private var paused: Bool { waitingBytes >= limit || (attached && !pipeWritable) }

    mutating func received(_ bytes: ByteBuffer) -> [Action] {
        guard !attached else { return [.writeToProcess(bytes)] }
        waiting.append(bytes)
        waitingBytes += bytes.readableBytes
        return []
    }

    mutating func clientEnded() -> [Action] {
        guard attached else {
            endedEarly = true
            return []
        }
        return [.endProcessInput]
    }

    /// The channel wants to read from the client: passed on unless input is paused.
    mutating func readRequested() -> [Action] {
        guard paused else { return [.readFromClient] }
        readHeld = true
        return []
    }

    /// The process's input pipe is attached: what waited goes to it.
    mutating func pipeAttached(isWritable: Bool) -> [Action] {
        attached = true
        pipeWritable = isWritable
        var actions = waiting.map(Action.writeToProcess)
        if endedEarly { actions.append(.endProcessInput) }
        waiting = []
        waitingBytes = 0
        endedEarly = false
        return actions + resumeIfPossible()
    }

    mutating func pipeWritabilityChanged(isWritable: Bool) -> [Action] {
        pipeWritable = isWritable
        return resumeIfPossible()
    }

    /// What the client sent that has not reached the process yet.
    var waitingInput: [ByteBuffer] { waiting }

    private mutating func resumeIfPossible() -> [Action] {
        guard !paused, readHeld else { return [] }
        readHeld = false
        return [.readFromClient]
    }
}
