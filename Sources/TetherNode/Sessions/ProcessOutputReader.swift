import NIOCore

/// Which of a process's outputs a pipe channel carries.
enum ProcessOutput: Sendable {
    case standardOutput
    case standardError
    /// A PTY master: output and input share it.
    case terminal
}

/// Sits on a pipe channel (on the session's event loop) and hands the
/// process's output to its session; end of file, or the EIO a PTY master
/// reports once the terminal is gone, ends that output.
final class ProcessOutputReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let session: NIOLoopBound<SessionChannelHandler>
    private let output: ProcessOutput

    init(session: NIOLoopBound<SessionChannelHandler>, output: ProcessOutput) {
        self.session = session
        self.output = output
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        session.value.processWrote(unwrapInboundIn(data), on: output)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { session.value.processOutputEnded(output) }
    }

    /// The PTY or stdout pipe is also where the client's input goes.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if output != .standardError { session.value.processInputWritabilityChanged() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        session.value.processOutputEnded(output)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
