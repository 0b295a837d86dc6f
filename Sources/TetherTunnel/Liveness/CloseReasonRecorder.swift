import NIOConcurrencyHelpers
import NIOCore

/// Last handler of a tunnel connection: keeps the first error in a box the
/// owner reads after close, so a dropped tunnel can say why (dead peer, TLS
/// failure, reset), and stops errors reaching the pipeline's tail unlogged.
final class CloseReasonRecorder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Any

    private let reason: NIOLockedValueBox<String?>

    init(into reason: NIOLockedValueBox<String?>) {
        self.reason = reason
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        reason.withLockedValue { if $0 == nil { $0 = "\(error)" } }
        context.close(promise: nil)
    }
}
