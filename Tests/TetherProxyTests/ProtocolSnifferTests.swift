import NIOCore
import NIOEmbedded
import Testing
@testable import TetherProxy

/// The first handler of every connection on the one port, fed bytes by hand.
@Suite struct ProtocolSnifferTests {
    final class Routed: @unchecked Sendable {
        var detected: [ProtocolSniffer.Detected] = []
    }

    private func sniffing(_ routed: Routed, failing: Bool = false) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.pipeline.syncOperations.addHandler(ProtocolSniffer { detected, _ in
            if failing { throw ChannelError.ioOnClosedChannel }
            routed.detected.append(detected)
        })
        return channel
    }

    private func sniffer(in channel: EmbeddedChannel) -> ProtocolSniffer? {
        try? channel.pipeline.syncOperations.handler(type: ProtocolSniffer.self)
    }

    @Test func aTLSRecordIsRoutedAsTLSWithEveryByteHandedOn() throws {
        let routed = Routed()
        let channel = try sniffing(routed)
        try channel.writeInbound(ByteBuffer(bytes: [0x16, 0x03, 0x01, 0x00, 0x05]))
        #expect(routed.detected.count == 1)
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(bytes: [0x16, 0x03, 0x01, 0x00, 0x05]))
        #expect(sniffer(in: channel) == nil, "the sniffer steps aside")
        try channel.writeInbound(ByteBuffer(string: "later"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(string: "later"))
        #expect(routed.detected.count == 1)
    }

    @Test func anSSHVersionLineSplitAcrossReadsIsRoutedOnceComplete() throws {
        let routed = Routed()
        let channel = try sniffing(routed)
        try channel.writeInbound(ByteBuffer(string: "S"))
        try channel.writeInbound(ByteBuffer(string: "SH"))
        #expect(routed.detected.isEmpty, "three bytes of SSH- cannot decide yet")
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        try channel.writeInbound(ByteBuffer(string: "-2.0-OpenSSH_9.6\r\n"))
        #expect(routed.detected.count == 1)
        if case .plainSSH = routed.detected.first {} else { Issue.record("\(routed.detected)") }
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(string: "SSH-2.0-OpenSSH_9.6\r\n"), "held bytes are handed on in one piece")
        #expect(channel.isActive)
    }

    @Test func anythingElseIsClosedWithoutRouting() throws {
        for garbage in ["GET / HTTP/1.1\r\n\r\n", "SSX", "\u{0}", "ssh-2.0"] {
            let routed = Routed()
            let channel = try sniffing(routed)
            try channel.writeInbound(ByteBuffer(string: garbage))
            #expect(!channel.isActive, "\(garbage.debugDescription) must close the connection")
            #expect(routed.detected.isEmpty)
            #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        }
    }

    @Test func aRouteThatCannotBeInstalledClosesTheConnection() throws {
        let channel = try sniffing(Routed(), failing: true)
        try channel.writeInbound(ByteBuffer(bytes: [0x16, 0x03]))
        #expect(!channel.isActive)
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
    }

    @Test func anEmptyReadDecidesNothing() throws {
        let routed = Routed()
        let channel = try sniffing(routed)
        try channel.writeInbound(ByteBuffer())
        #expect(channel.isActive)
        #expect(routed.detected.isEmpty)
        #expect(sniffer(in: channel) != nil)
    }
}
