import NIOCore
import NIOHTTP2

/// Turns an established tunnel stream into a plain byte pipe: DATA frames in
/// and out as `ByteBuffer`s, END_STREAM as half-closure in both directions.
/// Whatever runs above it (an SSH server, a relay) sees an ordinary stream.
final class TunnelStreamCodec: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = HTTP2Frame.FramePayload

    private var outputClosed = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .data(let frame):
            if case .byteBuffer(let buffer) = frame.data, buffer.readableBytes > 0 {
                context.fireChannelRead(wrapInboundOut(buffer))
            }
            if frame.endStream { context.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
        case .headers(let headers):
            // Trailers end the peer's side; any other headers mid-stream are ignored.
            if headers.endStream { context.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
        case .rstStream:
            context.close(promise: nil)
        default:
            break
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = unwrapOutboundIn(data)
        // An empty DATA frame carries nothing, and the peer's HTTP/2 handler
        // takes two in a row (on any streams) for an attack and closes the
        // whole tunnel (maximumSequentialEmptyDataFrames).
        guard buffer.readableBytes > 0 else {
            promise?.succeed()
            return
        }
        context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(buffer)))), promise: promise)
    }

    /// Half-close maps to END_STREAM; stream channels cannot half-close themselves.
    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .output else {
            context.close(mode: mode, promise: promise)
            return
        }
        guard !outputClosed else {
            promise?.succeed()
            return
        }
        outputClosed = true
        let end = HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(context.channel.allocator.buffer(capacity: 0)), endStream: true))
        context.writeAndFlush(wrapOutboundOut(end), promise: promise)
    }
}
