import Foundation
import NIOConcurrencyHelpers
import NIOCore
import TetherAPI

/// The proxy side of `tether-ssh/1`: reads the CONNECT head, records it,
/// answers as the test asked, then hands the stream to the next protocol.
final class FakeConnectHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    static let name = "fake-connect"

    private let mode: FakeProxy.ConnectMode
    private let connects: NIOLockedValueBox<[(target: String, headers: [String: String])]>
    private var received: [UInt8] = []
    private var answered = false

    init(mode: FakeProxy.ConnectMode, connects: NIOLockedValueBox<[(target: String, headers: [String: String])]>) {
        self.mode = mode
        self.connects = connects
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
        guard !answered, let end = received.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
        answered = true
        let lines = String(decoding: received[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        received.removeFirst(end.upperBound)
        let target = lines[0].split(separator: " ").dropFirst().first.map(String.init) ?? ""
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        connects.withLockedValue { $0.append((target, headers)) }
        answer(context: context)
    }

    private func answer(context: ChannelHandlerContext) {
        let established = "HTTP/1.1 200 Connection Established\r\n\r\n"
        switch mode {
        case .refuse(let status, let error):
            let body = (try? JSONEncoder().encode(APIErrorBody(error))) ?? Data()
            let head = "HTTP/1.1 \(status) Refused\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
            var buffer = context.channel.allocator.buffer(string: head)
            buffer.writeBytes(body)
            let channel = context.channel
            context.writeAndFlush(wrapInboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
        case .echo(let greeting):
            // One write: the client must pass on what follows the head.
            context.writeAndFlush(wrapInboundOut(context.channel.allocator.buffer(string: established + greeting)), promise: nil)
            try? context.pipeline.syncOperations.addHandler(EchoHandler())
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        case .node(let node):
            context.write(wrapInboundOut(context.channel.allocator.buffer(string: established)), promise: nil)
            try? context.pipeline.syncOperations.addHandler(node.sshHandler(allocator: context.channel.allocator))
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            context.channel.flush()
        }
    }

    func removeHandler(context: ChannelHandlerContext, removalToken: ChannelHandlerContext.RemovalToken) {
        if !received.isEmpty {
            context.fireChannelRead(wrapInboundOut(context.channel.allocator.buffer(bytes: received)))
            received = []
        }
        context.leavePipeline(removalToken: removalToken)
    }
}

/// Sends every byte back.
final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.writeAndFlush(data, promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.close(promise: nil)
    }
}
