import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS
import TetherAPI
import TetherCore
import TetherTransport

/// A stand-in for the proxy on 127.0.0.1: one TLS port routed by ALPN like
/// the real one — `http/1.1` answers the API paths the client uses,
/// `tether-ssh/1` answers the CONNECT and then behaves as `connectMode` says.
final class FakeProxy: Sendable {
    enum ConnectMode: Sendable {
        /// Answer 200 and run an SSH server (a fake node) on the stream.
        case node(FakeNode)
        /// Answer 200 plus a greeting in the same write, then echo bytes back.
        case echo(greeting: String)
        /// Answer with this status and an APIErrorBody.
        case refuse(status: Int, TetherError)
    }

    let cluster: TestCluster
    let api: FakeAPI
    let connectMode: ConnectMode
    /// Heads of the CONNECT requests received: target and headers (lowercased names).
    let connects = NIOLockedValueBox<[(target: String, headers: [String: String])]>([])
    private let channel: Channel

    var address: String { "127.0.0.1:\(channel.localAddress?.port ?? 0)" }

    /// Serves TLS with `credentials`, by default the proxy's (others: an impostor).
    init(cluster: TestCluster, api: FakeAPI, connectMode: ConnectMode, credentials: TLSCredentials? = nil) async throws {
        self.cluster = cluster
        self.api = api
        self.connectMode = connectMode
        let context = try NIOSSLContext(configuration: try TLSSettings.server(
            credentials ?? cluster.proxyCredentials, clientCertificates: .optional, applicationProtocols: [ALPN.ssh, ALPN.http]
        ))
        let connects = self.connects
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(NIOSSLServerHandler(context: context))
                    try pipeline.addHandler(ApplicationProtocolNegotiationHandler { result, channel in
                        channel.eventLoop.makeCompletedFuture {
                            if case .negotiated(ALPN.ssh) = result {
                                try channel.pipeline.syncOperations.addHandler(
                                    FakeConnectHandler(mode: connectMode, connects: connects),
                                    name: FakeConnectHandler.name
                                )
                            } else {
                                try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                                try channel.pipeline.syncOperations.addHandler(FakeAPIHandler(api: api))
                            }
                        }
                    })
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    func stop() async {
        try? await channel.close()
    }
}
