import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import Testing
import TetherAPI
import TetherCore
@testable import TetherProxy
import TetherTransport
import TetherTunnel

/// Dials to direct nodes, against a real TLS listener serving HTTP/2 as a
/// direct node does.
@Suite struct NodeConnectorTests {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    /// A direct node's listener presenting `credentials`; counts the
    /// connections it accepted.
    final class DirectNode: Sendable {
        let listener: Channel
        private let accepted = NIOLockedValueBox(0)
        var accepts: Int { accepted.withLockedValue { $0 } }

        init(credentials: TLSCredentials, group: any EventLoopGroup) async throws {
            let context = try NIOSSLContext(configuration: try TLSSettings.server(credentials, clientCertificates: .optional, applicationProtocols: [ALPN.tunnel]))
            let accepted = accepted
            listener = try await ServerBootstrap(group: group)
                .childChannelInitializer { channel in
                    accepted.withLockedValue { $0 += 1 }
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                        try TunnelServing.configure(channel: channel, router: EchoSSHRouter(), keepalive: .default)
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
        }

        var address: String { "127.0.0.1:\(listener.localAddress?.port ?? 0)" }
    }

    /// A proxy's connector to node-d (host-d), which listens presenting a
    /// certificate for `presentedHost`; `online` lists the peers it adopted.
    private func dialling(presenting presentedHost: String) async throws -> (DirectNode, NodeConnector, NodeRoute, online: NIOLockedValueBox<[String]>) {
        let pki = try TestPKI()
        let node = try await DirectNode(credentials: try pki.host(presentedHost, roles: ["node"]), group: group)
        let online = NIOLockedValueBox<[String]>([])
        let registry = TunnelRegistry { status, isOnline in
            if isOnline { online.withLockedValue { $0.append(status.peerID) } }
        }
        let connector = try NodeConnector(registry: registry, group: group, credentials: try pki.host("proxy-1", roles: [ForwardedIdentity.proxyRole]), cluster: "test-cluster")
        let route = NodeRoute(name: "node-d", hostID: "host-d", labels: [:], tunnel: false, address: node.address)
        return (node, connector, route, online)
    }

    private func sessions(_ count: Int, to route: NodeRoute, through connector: NodeConnector) async -> [Result<String, any Error>] {
        await withTaskGroup(of: Result<String, any Error>.self) { sessions in
            for _ in 0..<count {
                sessions.addTask {
                    let greeted = group.any().makePromise(of: String.self)
                    do {
                        let request = ResourceStreamRequest(kind: .ssh, resource: route.name, certificate: "cert", clientAddress: "192.0.2.1").tunnelRequest
                        let stream = try await connector.openStream(to: route, request: request, on: group.any()) { stream in
                            try stream.pipeline.syncOperations.addHandler(FirstRead(greeted))
                        }.get()
                        defer { stream.close(promise: nil) }
                        return .success(try await greeted.futureResult.get())
                    } catch {
                        greeted.fail(error)
                        return .failure(error)
                    }
                }
            }
            return await sessions.reduce(into: []) { $0.append($1) }
        }
    }

    @Test func concurrentFirstSessionsShareOneDial() async throws {
        let (node, connector, route, online) = try await dialling(presenting: "host-d")
        defer { node.listener.close(promise: nil) }

        let results = await sessions(32, to: route, through: connector)
        for result in results {
            #expect(try result.get() == "node=node-d cert=cert;")
        }
        #expect(node.accepts == 1, "32 concurrent first sessions must make one connection")
        #expect(online.withLockedValue { $0 } == ["host-d"])
        _ = await sessions(4, to: route, through: connector)
        #expect(node.accepts == 1, "later sessions reuse the adopted connection")
    }

    @Test func aPeerThatFailsVerificationIsNeverAdopted() async throws {
        // Another node's certificate, of this very cluster, at host-d's address.
        let (impostor, connector, route, online) = try await dialling(presenting: "host-other")
        defer { impostor.listener.close(promise: nil) }

        let results = await sessions(8, to: route, through: connector)
        for result in results {
            #expect(throws: TetherError.self) { try result.get() }
        }
        if case .failure(let error as TetherError) = results.first {
            #expect(error.message.contains("host-d"), "\(error.message)")
        }
        #expect(impostor.accepts == 1, "the sessions shared one dial")
        #expect(online.withLockedValue { $0 }.isEmpty, "nothing was adopted")
        #expect(connector.registry.status(of: "host-d") == nil)

        _ = await sessions(1, to: route, through: connector)
        #expect(impostor.accepts == 2, "a failed dial is not remembered: the next session dials again")
        #expect(online.withLockedValue { $0 }.isEmpty)
    }
}

/// Completes with the first bytes a stream carries (the echo node's greeting).
private final class FirstRead: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let greeted: EventLoopPromise<String>
    init(_ greeted: EventLoopPromise<String>) { self.greeted = greeted }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        greeted.succeed(String(buffer: unwrapInboundIn(data)))
    }
}
