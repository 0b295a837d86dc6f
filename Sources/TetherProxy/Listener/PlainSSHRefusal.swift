import NIOCore

/// Answers a stock SSH client that dialled the proxy port directly with a
/// proper SSH-level goodbye: our version line, then an (unencrypted, as
/// before key exchange) SSH_MSG_DISCONNECT whose text OpenSSH prints as
/// "Received disconnect from …: <reason>". It then drains what the client
/// sends until the client hangs up, so the close is clean rather than a reset.
final class PlainSSHRefusal: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let reason = "this port is a Tether proxy: use `tether ssh NODE`, or `tether config` and then ssh -F with that config"

    func handlerAdded(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 256)
        buffer.writeString("SSH-2.0-TetherProxy\r\n")
        buffer.writeBytes(Self.disconnectPacket(reason: Self.reason))
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        context.close(mode: .output, promise: nil)
        let channel = context.channel
        _ = context.eventLoop.scheduleTask(in: .seconds(5)) { channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    /// RFC 4253 binary packet, no MAC (none negotiated yet):
    /// uint32 length, byte padding length, payload, padding (≥ 4, total % 8 == 0).
    static func disconnectPacket(reason: String) -> [UInt8] {
        let messageDisconnect: UInt8 = 1
        let byApplication: UInt32 = 11
        var payload: [UInt8] = [messageDisconnect]
        payload += bigEndian(byApplication)
        payload += bigEndian(UInt32(reason.utf8.count)) + Array(reason.utf8)
        payload += bigEndian(UInt32(0))  // language tag
        var padding = 8 - (5 + payload.count) % 8
        if padding < 4 { padding += 8 }
        let packetLength = UInt32(1 + payload.count + padding)
        return bigEndian(packetLength) + [UInt8(padding)] + payload + [UInt8](repeating: 0, count: padding)
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }
}
