import NIOCore

/// Last handler of an SSH connection's pipeline: a protocol error or the
/// far end finishing its side ends the connection (and with it every
/// session, which then reaps its process).
final class SSHConnectionTail: ChannelInboundHandler {
    typealias InboundIn = Never

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
