import NIOConcurrencyHelpers
import NIOCore

/// Last handler of a tunnel connection: keeps the first error in a box the
/// owner reads after close, so a dropped tunnel can say why (dead peer, TLS
/// failure, reset), and stops errors reaching the pipeline's tail unlogged.
/// `onDeadPeer` runs as soon as the keepalive gives the peer up, before the
/// close (which may wait on a TLS goodbye that a dead path never delivers).
final class CloseReasonRecorder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Any

    private let reason: NIOLockedValueBox<String?>
    private let onDeadPeer: () -> Void

    init(into reason: NIOLockedValueBox<String?>, onDeadPeer: @escaping () -> Void = {}) {
        self.reason = reason
        self.onDeadPeer = onDeadPeer
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        reason.withLockedValue { if $0 == nil { $0 = "\(error)" } }
        if error is TunnelPeerUnresponsive { onDeadPeer() }
        context.close(promise: nil)
    }
}
