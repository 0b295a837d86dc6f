import NIOCore
import NIOPosix
import TetherAPI
import TetherTunnel

/// A tiny stand-in for the proxy's SSH path: every TCP connection it
/// accepts becomes a `/v1/ssh` tunnel stream carrying `certificate`, spliced
/// byte for byte, so a stock `ssh` client can talk to the node.
final class StreamRelay: Sendable {
    private let listener: Channel
    var port: Int { listener.localAddress?.port ?? 0 }

    init(registry: TunnelRegistry, peerID: String, certificate: String, group: EventLoopGroup) async throws {
        listener = try await ServerBootstrap(group: group)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                inbound.eventLoop.makeCompletedFuture {
                    try inbound.pipeline.syncOperations.addHandler(RelayStarter(registry: registry, peerID: peerID, certificate: certificate))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    func close() async { try? await listener.close() }
}

/// Opens the stream once the accepted connection is active (writes to it
/// before then would be lost), then splices the two.
private final class RelayStarter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    let registry: TunnelRegistry
    let peerID: String
    let certificate: String

    init(registry: TunnelRegistry, peerID: String, certificate: String) {
        self.registry = registry
        self.peerID = peerID
        self.certificate = certificate
    }

    func channelActive(context: ChannelHandlerContext) {
        let inbound = context.channel
        let request = ResourceStreamRequest(kind: .ssh, resource: peerID, certificate: certificate, clientAddress: inbound.remoteAddress?.description).tunnelRequest
        // The stream's side of the splice is in place before any byte arrives;
        // the connection's side starts reading once the stream exists.
        registry.openStream(to: peerID, request: request, on: inbound.eventLoop) { stream in
            try stream.pipeline.syncOperations.addHandler(SpliceHandler(partner: inbound))
        }
        .flatMapThrowing { stream in
            try inbound.pipeline.syncOperations.addHandler(SpliceHandler(partner: stream))
            try inbound.syncOptions?.setOption(.autoRead, value: true)
        }
        .whenFailure { _ in inbound.close(promise: nil) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        context.fireChannelActive()
    }
}
