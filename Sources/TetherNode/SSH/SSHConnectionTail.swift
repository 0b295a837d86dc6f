import Logging
import NIOCore

/// Last handler of an SSH connection's pipeline: a protocol error or the
/// far end finishing its side ends the connection (and with it every
/// session, which then reaps its process).
final class SSHConnectionTail: ChannelInboundHandler {
    typealias InboundIn = Never

    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// swift-nio-ssh cannot go on past a message it cannot parse (it keeps
    /// the packet, so every later read fails again): an x11-req (ssh -X) or
    /// a channel type it does not know (direct-streamlocal@openssh.com from
    /// ssh -L to a socket) ends the connection, and the log says which.
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.notice("closed an SSH connection after an error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
