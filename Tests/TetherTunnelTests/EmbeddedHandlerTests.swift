import NIOCore
import NIOEmbedded
import NIOHTTP2
import Testing
import TetherCore
@testable import TetherTunnel

/// The splice and the keepalive handler driven by hand over EmbeddedChannel:
/// writability and time move only when the test says so.
@Suite struct EmbeddedHandlerTests {
    /// Counts the reads a channel's pipeline lets through to the socket.
    final class ReadCounter: ChannelOutboundHandler {
        typealias OutboundIn = Any
        var reads = 0
        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    @Test func aSlowReaderStopsReadsOnTheOtherSideUntilItIsWritableAgain() throws {
        let user = EmbeddedChannel()
        let node = EmbeddedChannel()
        let nodeReads = ReadCounter()
        try node.pipeline.syncOperations.addHandler(nodeReads)
        try user.pipeline.syncOperations.addHandler(SpliceHandler(partner: node))
        try node.pipeline.syncOperations.addHandler(SpliceHandler(partner: user))

        node.read()
        #expect(nodeReads.reads == 1)
        try node.writeInbound(ByteBuffer(string: "banner"))
        #expect(try user.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "banner"))

        // The user reads slowly: their socket's buffer fills up.
        user.isWritable = false
        user.pipeline.fireChannelWritabilityChanged()
        node.read()
        node.read()
        #expect(nodeReads.reads == 1, "the node side must not read while the user side cannot take its bytes")

        user.isWritable = true
        user.pipeline.fireChannelWritabilityChanged()
        #expect(nodeReads.reads == 2, "one held read resumes once the user side drains")
        node.read()
        #expect(nodeReads.reads == 3)
    }

    @Test func bytesCrossTheSpliceAndACloseTakesThePartner() throws {
        let user = EmbeddedChannel()
        let node = EmbeddedChannel()
        try user.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try node.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2)).wait()
        try user.pipeline.syncOperations.addHandler(SpliceHandler(partner: node))
        try node.pipeline.syncOperations.addHandler(SpliceHandler(partner: user))

        try user.writeInbound(ByteBuffer(string: "SSH-2.0-test\r\n"))
        #expect(try node.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "SSH-2.0-test\r\n"))
        try node.close().wait()
        #expect(!user.isActive)
    }

    private func keepaliveChannel(interval: TimeAmount = .seconds(1)) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: PingKeepaliveHandler(policy: KeepalivePolicy(interval: interval, missedIntervals: 3)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    private func pings(_ channel: EmbeddedChannel) throws -> Int {
        var count = 0
        while let frame = try channel.readOutbound(as: HTTP2Frame.self) {
            if case .ping(_, ack: false) = frame.payload { count += 1 }
        }
        return count
    }

    private let ack = HTTP2Frame(streamID: .rootStream, payload: .ping(HTTP2PingData(withInteger: 1), ack: true))

    @Test func keepalivePingsEveryIntervalAndClosesAfterTheFullSilence() throws {
        let channel = try keepaliveChannel()
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(999))
        #expect(try pings(channel) == 0)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(try pings(channel) == 1)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1999))
        #expect(try pings(channel) == 1)
        #expect(channel.isActive, "2.999 s of silence is under three intervals")
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive, "3 s of silence is three missed intervals")
        #expect(throws: TunnelPeerUnresponsive.self) { try channel.throwIfErrorCaught() }
    }

    @Test func anythingFromThePeerKeepsTheTunnelAlive() throws {
        let channel = try keepaliveChannel()
        for _ in 0..<10 {
            channel.embeddedEventLoop.advanceTime(by: .seconds(2))
            try channel.writeInbound(ack)
            #expect(try channel.readInbound(as: HTTP2Frame.self) != nil, "frames pass on to the HTTP/2 handler")
        }
        #expect(channel.isActive, "20 s, heard from every 2 s")
        #expect(try pings(channel) == 20)
        channel.embeddedEventLoop.advanceTime(by: .seconds(3))
        #expect(!channel.isActive)
    }

    @Test func keepaliveStopsWithTheConnection() throws {
        let channel = try keepaliveChannel()
        try channel.close().wait()
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(try pings(channel) == 0, "no PINGs after the connection closed")
        #expect(throws: Never.self) { try channel.throwIfErrorCaught() }
    }
}
