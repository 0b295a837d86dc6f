import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import TetherAPI
import TetherCore
import TetherIdentity
import TetherTestSupport
import TetherTransport
import Testing

/// Issue 11 (low): at the real proxy, a CONNECT made with alice's TLS
/// certificate but ops's SSH certificate is refused and audited as
/// auth.failed; with her own it is connected.
@Suite(.serialized) struct ConnectIdentityEndToEndTests {
    @Test func anSSHCertificateOfAnotherUserIsRefusedAtTheProxy() async throws {
        try await ClusterFixture().use { cluster in
            #expect(try await cluster.loginAlice().status == 0)
            #expect(try await cluster.login(as: "ops").status == 0)
            #expect(try await eventually { try await cluster.tether(["ls"]).stdout.contains("robot-1") })
            func file(_ user: String, _ path: String) throws -> String {
                try String(contentsOfFile: cluster.home(of: user) + "/keys/" + path, encoding: .utf8)
            }
            let info = try await ClusterPinning.discover(
                ServerEndpoint("127.0.0.1:\(cluster.proxyPort)", role: "the proxy", setting: "the test"),
                expecting: .pin(try CAPin(parsing: cluster.caPin)), eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
            let alice = TLSCredentials(certificatePEM: try file("alice", "tls.pem"), privateKeyPEM: try file("alice", "tls.key"), trustedCAPEMs: [info.tlsCA])
            func connect(carrying certificate: String) async throws -> String {
                try await rawConnect(port: Int(cluster.proxyPort), as: alice, cluster: info.cluster,
                                     request: "CONNECT robot-1:0 HTTP/1.1\r\nTether-Login: \(cluster.login)\r\nTether-Certificate: \(certificate)\r\n\r\n")
            }

            let borrowed = try await connect(carrying: try file("ops", "ssh_key-cert.pub").trimmingCharacters(in: .whitespacesAndNewlines))
            let reason = "the SSH certificate of the CONNECT request is user ops of cluster e2e, but its TLS certificate is alice of cluster e2e"
            #expect(borrowed.hasPrefix("HTTP/1.1 403"), "\(borrowed)")
            #expect(borrowed.contains(reason), "\(borrowed)")
            #expect(try await eventually {
                try await cluster.tetherctl(["audit", "search", "--type", "auth.failed", "--format", "json"]).stdout.contains(reason)
            })

            let own = try await connect(carrying: try file("alice", "ssh_key-cert.pub").trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(own.hasPrefix("HTTP/1.1 200"), "\(own)")
        }
    }

    /// Sends `request` on ALPN tether-ssh/1 with `credentials`, and returns
    /// the answer's first bytes (a refusal closes; a connection answers 200).
    private func rawConnect(port: Int, as credentials: TLSCredentials, cluster: String, request: String) async throws -> String {
        let context = try NIOSSLContext(configuration: try TLSSettings.client(
            credentials: credentials, trustedCAPEMs: credentials.trustedCAPEMs, applicationProtocols: [ALPN.ssh]))
        let received = NIOLockedValueBox("")
        let server = ServerEndpoint("127.0.0.1:\(port)", role: "the proxy", setting: "the test")
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(try ServerIdentityCheck.handlers(context: context, expecting: .proxy(of: cluster), at: server))
                    try channel.pipeline.syncOperations.addHandler(Collector(received))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(string: request))
        _ = await eventually { let text = received.withLockedValue { $0 }; return text.hasPrefix("HTTP/1.1 200") || text.contains("}") }
        try? await channel.close()
        return received.withLockedValue { $0 }
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let received: NIOLockedValueBox<String>
        init(_ received: NIOLockedValueBox<String>) { self.received = received }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let text = String(buffer: unwrapInboundIn(data))
            received.withLockedValue { $0 += text }
        }
    }
}
