import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import TetherAPI
import TetherTransport

/// A server on 127.0.0.1 presenting a certificate and key it should not
/// have (a node's, copied off a stolen device), with every ALPN protocol a
/// Tether client asks for. It answers a first contact's `GET /v1/cluster`
/// with the cluster's public description, as an attacker would, and records
/// every byte any client sends it after the TLS handshake.
final class ImpostorServer: Sendable {
    private let channel: Channel
    private let log: NIOLockedValueBox<(handshakes: Int, received: String)>

    var port: Int { channel.localAddress?.port ?? 0 }
    var address: String { "127.0.0.1:\(port)" }
    /// TLS handshakes completed with it: clients did reach it.
    var handshakes: Int { log.withLockedValue { $0.handshakes } }
    /// Everything clients sent after their handshakes.
    var received: String { log.withLockedValue { $0.received } }

    /// `nodeDirectory` is a joined node's `data_dir/node`: its certificate and key.
    init(presentingNodeIdentityIn nodeDirectory: String, clusterInfo: ClusterInfo) async throws {
        let certificate = try String(contentsOfFile: nodeDirectory + "/tls.pem", encoding: .utf8)
        let key = try String(contentsOfFile: nodeDirectory + "/tls.key", encoding: .utf8)
        let credentials = TLSCredentials(certificatePEM: certificate, privateKeyPEM: key, trustedCAPEMs: [clusterInfo.tlsCA])
        let context = try NIOSSLContext(configuration: try TLSSettings.server(
            credentials, clientCertificates: .optional, applicationProtocols: [ALPN.http, ALPN.tunnel, ALPN.ssh]))
        let description = String(decoding: try JSONEncoder().encode(clusterInfo), as: UTF8.self)
        let log = NIOLockedValueBox((handshakes: 0, received: ""))
        self.log = log
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try channel.pipeline.syncOperations.addHandler(Recorder(log: log, clusterDescription: description))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    func stop() async {
        try? await channel.close()
    }

    private final class Recorder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let log: NIOLockedValueBox<(handshakes: Int, received: String)>
        let clusterDescription: String
        private var request = ""

        init(log: NIOLockedValueBox<(handshakes: Int, received: String)>, clusterDescription: String) {
            self.log = log
            self.clusterDescription = clusterDescription
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case TLSUserEvent.handshakeCompleted = event { log.withLockedValue { $0.handshakes += 1 } }
            context.fireUserInboundEventTriggered(event)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let text = String(buffer: unwrapInboundIn(data))
            log.withLockedValue { $0.received += text }
            request += text
            guard request.hasPrefix("GET \(APIPath.cluster) "), request.contains("\r\n\r\n") else { return }
            let answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(clusterDescription.utf8.count)\r\nConnection: close\r\n\r\n" + clusterDescription
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: answer))).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
