// The parsers below are internal to their modules (a handler, a state
// machine), reached with `@testable import`. That needs modules compiled
// for testing: debug builds are, and `bench/fuzz` passes -enable-testing;
// a release build of the package (bench/run) leaves these targets out.
#if DEBUG || TETHER_FUZZING
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP1
import TetherAPI
import TetherCore
import TetherIdentity
@testable import TetherNode
@testable import TetherProxy
@testable import TetherTunnel

extension FuzzTargets {
    static let internals = [protocolSniffer, connect, tunnelStream, sftp]

    /// The first bytes on the proxy's one port. The first input byte sets
    /// how the rest is cut into reads (1…16 bytes each); whatever the cut,
    /// the sniffer must route TLS and `SSH-` with every byte passed on in
    /// order, wait on a prefix of `SSH-`, and close on anything else.
    static let protocolSniffer = FuzzTarget("sniffer", "the proxy's protocol sniffer (TLS or SSH- on the one port), fed in random pieces") { bytes in
        guard let cut = bytes.first else { return }
        let data = Array(bytes.dropFirst())
        var routed: [ProtocolSniffer.Detected] = []
        let channel = EmbeddedChannel(handler: ProtocolSniffer { detected, _ in routed.append(detected) })
        _ = try? channel.connect(to: SocketAddress(ipAddress: "192.0.2.1", port: 1)).wait()
        var forwarded: [UInt8] = []
        var offset = 0
        while offset < data.count, channel.isActive {
            let end = min(data.count, offset + Int(cut % 16) + 1)
            _ = try? channel.writeInbound(ByteBuffer(bytes: data[offset..<end]))
            offset = end
            while let buffer = try? channel.readInbound(as: ByteBuffer.self) { forwarded += buffer.readableBytesView }
        }
        let ssh = Array("SSH-".utf8)
        if data.first == 0x16 || data.starts(with: ssh) {
            require(routed == [data.first == 0x16 ? .tls : .plainSSH] && forwarded == data, "TLS or SSH is routed once, every byte passed on in order")
        } else if ssh.starts(with: data) {
            require(routed.isEmpty && forwarded.isEmpty && channel.isActive, "a prefix of SSH- waits for more")
        } else {
            require(routed.isEmpty && forwarded.isEmpty && !channel.isActive, "anything else is closed")
        }
        _ = try? channel.finish()
    }

    /// A user's `CONNECT node:0` on ALPN tether-ssh/1: NIO's HTTP/1.1
    /// decoder as the proxy installs it, then the CONNECT state machine,
    /// for a caller whose TLS certificate says alice of cluster root.
    static let connect = FuzzTarget("connect", "the proxy's CONNECT handshake (HTTP/1.1 decoder, ConnectStateMachine, certificate header)") { bytes in
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)))
        var machine = ConnectStateMachine(clusterName: "root")
        let peer = TLSIdentity(kind: .user, name: "alice", cluster: "root", roles: ["access"])
        do {
            try channel.writeInbound(ByteBuffer(bytes: bytes))
        } catch {
            _ = machine.requestMalformed(error)
        }
        while let part = try? channel.readInbound(as: HTTPServerRequestPart.self) {
            switch part {
            case .head(let head): _ = machine.receivedHead(head)
            case .body: break
            case .end: _ = machine.receivedEnd(peer: .success(peer), clientAddress: "192.0.2.1")
            }
        }
        _ = try? channel.finish()
    }

    /// The request headers that open a tunnel stream (HPACK, as NIO's
    /// HTTP/2 decodes them) read as a resource stream, and the headers of
    /// the far end's answer.
    static let tunnelStream = FuzzTarget("tunnel-stream", "tunnel stream metadata (HPACK headers, TunnelStreamRequest, ResourceStreamRequest, the answer)") { bytes in
        var buffer = ByteBuffer(bytes: bytes)
        var decoder = HPACKDecoder(allocator: ByteBufferAllocator())
        guard let headers = try? decoder.decodeHeaders(from: &buffer) else { return }
        _ = TunnelStreamResponse.error(in: headers)
        guard let request = try? TunnelStreamRequest(headers: headers) else { return }
        if let resource = try? ResourceStreamRequest(decoding: request) {
            require((try? ResourceStreamRequest(decoding: resource.tunnelRequest)) == resource, "a resource stream request reads back from the request it builds")
        }
    }

    /// The client's half of an SFTP session as the node audits it. The
    /// first input byte sets how the rest is cut; the requests found and
    /// the verdict must not depend on how the bytes arrive.
    static let sftp = FuzzTarget("sftp", "the node's SFTP request parser (audit), whole and in random pieces") { bytes in
        guard let cut = bytes.first else { return }
        let data = Array(bytes.dropFirst())
        var whole = SFTPRequestParser()
        let expected = whole.feed(data)
        var pieces = SFTPRequestParser()
        var found: [SFTPRequest] = []
        var offset = 0
        while offset < data.count {
            let end = min(data.count, offset + Int(cut) + 1)
            found += pieces.feed(data[offset..<end])
            offset = end
        }
        require(found == expected && pieces.failure == whole.failure, "SFTP requests do not depend on how the bytes arrive")
    }
}
#else
extension FuzzTargets {
    static let internals: [FuzzTarget] = []
}
#endif
