import NIOCore
import NIOHTTP2

/// Sits on the HTTP/2 connection channel (after `NIOHTTP2Handler`, which
/// answers the peer's PINGs itself). Sends a PING every interval and closes
/// the connection once nothing at all arrived on the root stream for
/// `policy.deadAfter`: PING acks arrive at least once an interval from a live
/// peer, so silence means a dead path.
final class PingKeepaliveHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private var state: KeepaliveStateMachine?
    private let policy: KeepalivePolicy
    private var pingTask: RepeatedTask?
    private var deathCheck: Scheduled<Void>?
    private var pingCounter: UInt64 = 0

    init(policy: KeepalivePolicy) {
        self.policy = policy
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        state?.heardFromPeer(at: context.eventLoop.now)
        context.fireChannelRead(data)
    }

    private func start(context: ChannelHandlerContext) {
        guard state == nil else { return }
        state = KeepaliveStateMachine(policy: policy, now: context.eventLoop.now)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        pingTask = context.eventLoop.scheduleRepeatedTask(initialDelay: policy.interval, delay: policy.interval) { _ in
            let (handler, context) = loopBound.value
            handler.sendPing(context: context)
        }
        scheduleCheck(at: context.eventLoop.now + policy.deadAfter, context: context)
    }

    private func sendPing(context: ChannelHandlerContext) {
        pingCounter &+= 1
        let frame = HTTP2Frame(streamID: .rootStream, payload: .ping(HTTP2PingData(withInteger: pingCounter), ack: false))
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    private func scheduleCheck(at deadline: NIODeadline, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deathCheck = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.runCheck(context: context)
        }
    }

    private func runCheck(context: ChannelHandlerContext) {
        guard let state else { return }
        switch state.check(at: context.eventLoop.now) {
        case .closeDeadPeer:
            stop()
            context.fireErrorCaught(TunnelPeerUnresponsive(silence: policy.deadAfter))
            context.close(promise: nil)
        case .checkAgain(let deadline):
            scheduleCheck(at: deadline, context: context)
        }
    }

    private func stop() {
        pingTask?.cancel()
        pingTask = nil
        deathCheck?.cancel()
        deathCheck = nil
    }
}

/// Raised on the connection channel when the peer went silent.
public struct TunnelPeerUnresponsive: Error, CustomStringConvertible {
    public var silence: TimeAmount
    public var description: String {
        "tunnel peer sent nothing for \(silence.nanoseconds / 1_000_000) ms; closing the tunnel"
    }
}
