import Crypto
import Foundation
import TetherTestSupport
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import TetherAPI
import TetherCore
import TetherIdentity
import TetherProxy
import TetherTransport
import TetherTunnel

/// A throwaway cluster CA issuing the identities a test needs.
struct TestPKI {
    let ca: TLSCertificateAuthority
    let caPEM: String

    init(cluster: String = "test-cluster") throws {
        ca = try TLSCertificateAuthority.create(clusterName: cluster, validity: .hours(1), clock: SystemWallClock())
        caPEM = try PEMCoding.pem(of: ca.certificate)
    }

    func host(_ id: String, roles: [String]) throws -> TLSCredentials {
        let key = P256.Signing.PrivateKey()
        let certificate = try ca.issueServerCertificate(hostID: id, publicKey: key.publicKey, dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"], roles: roles, ttl: .hours(1))
        return TLSCredentials(certificatePEM: try PEMCoding.pem(of: certificate), privateKeyPEM: PEMCoding.pem(of: key), trustedCAPEMs: [caPEM])
    }

    func user(_ name: String) throws -> TLSCredentials {
        let key = P256.Signing.PrivateKey()
        let certificate = try ca.issueClientCertificate(user: name, roles: ["access"], publicKey: key.publicKey, ttl: .hours(1))
        return TLSCredentials(certificatePEM: try PEMCoding.pem(of: certificate), privateKeyPEM: PEMCoding.pem(of: key), trustedCAPEMs: [caPEM])
    }
}

struct StaticDirectory: NodeDirectorySource {
    var routes: [NodeRoute]
    /// Host ids of nodes no user's roles let them see.
    var hidden: Set<String> = []
    func nodeRoutes() throws -> [NodeRoute] { routes }
    func visibleHostIDs(user: String, roles: [String]) throws -> Set<String> { Set(routes.map(\.hostID)).subtracting(hidden) }
    func isNode(hostID: String) throws -> Bool { routes.contains { $0.hostID == hostID } }
}

/// A root cluster's leaves, fixed for the test; no trusted roots.
struct StaticLeaves: FederationAuthority {
    var leaves: [LeafCluster]
    func leafClusters() throws -> [LeafCluster] { leaves }
    func trustedRoots() throws -> [TrustedRoot] { [] }
    func translateSSHCertificate(_ line: String, from root: String, clientAddress: String?) throws -> String {
        try NoFederation().translateSSHCertificate(line, from: root, clientAddress: clientAddress)
    }
    func translateTLSCertificate(_ der: [UInt8], from root: String, clientAddress: String?, listing: Bool) async throws -> [UInt8] {
        try await NoFederation().translateTLSCertificate(der, from: root, clientAddress: clientAddress, listing: listing)
    }
    func lockSetForLeaves() throws -> RootLockSet { try NoFederation().lockSetForLeaves() }
    func waitForPolicyChange(from generation: Int64, limit: Duration) async {
        await NoFederation().waitForPolicyChange(from: generation, limit: limit)
    }
    func applyRootLocks(_ set: RootLockSet, from root: String) throws -> Int { try NoFederation().applyRootLocks(set, from: root) }
}

/// A proxy running in the test, on a free port, with what it reported.
final class RunningProxy: Sendable {
    let service: ProxyService
    let port: Int
    private let task: Task<Void, any Error>
    private let reported = NIOLockedValueBox<[ProxyEvent]>([])

    /// Returns once the proxy listens (it has read its directories by then);
    /// throws what stopped it if it never does.
    init(pki: TestPKI, routes: [NodeRoute], hidden: Set<String> = [], leaves: [LeafCluster] = [], group: any EventLoopGroup) async throws {
        let configuration = ProxyConfiguration(
            clusterName: "test-cluster",
            listenHost: "127.0.0.1",
            listenPort: 0,
            credentials: try pki.host("proxy-1", roles: [ForwardedIdentity.proxyRole]),
            authAddress: "127.0.0.1:1",
            directoryRefresh: .milliseconds(50)
        )
        let (listening, announce) = AsyncStream.makeStream(of: Int.self)
        let reported = reported
        let service = ProxyService(
            configuration: configuration,
            directorySource: StaticDirectory(routes: routes, hidden: hidden),
            federation: StaticLeaves(leaves: leaves),
            eventLoopGroup: group,
            logger: Logger(label: "test.proxy"),
            onEvent: { event in reported.withLockedValue { $0.append(event) } },
            onListening: { address in
                announce.yield(address.port ?? 0)
                announce.finish()
            }
        )
        self.service = service
        task = Task {
            defer { announce.finish() }
            try await service.run()
        }
        var announcements = listening.makeAsyncIterator()
        guard let port = await announcements.next() else {
            try await task.value
            throw TetherError(.unavailable, "the proxy stopped before it listened")
        }
        self.port = port
    }

    /// What the proxy reported for the audit so far.
    var events: [ProxyEvent] { reported.withLockedValue { $0 } }

    /// The tunnels the proxy refused so far.
    var refusedTunnels: Int {
        reported.withLockedValue { events in
            events.count { if case .tunnelRefused = $0 { true } else { false } }
        }
    }

    func stop() { task.cancel() }
}

/// Serves `/v1/ssh` streams by writing back what the proxy passed on and
/// then echoing, like a node would run SSH there.
struct EchoSSHRouter: ImmediateTunnelStreamRouter {
    func decide(_ request: TunnelStreamRequest) throws -> TunnelStreamService {
        let session = try ResourceStreamRequest(decoding: request)
        let greeting = "node=\(session.resource) cert=\(session.certificate ?? "-");"
        return { channel in try channel.pipeline.syncOperations.addHandler(Echo(greeting: greeting)) }
    }

    final class Echo: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let greeting: String
        init(greeting: String) { self.greeting = greeting }
        func handlerAdded(context: ChannelHandlerContext) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: greeting)), promise: nil)
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.writeAndFlush(data, promise: nil) }
    }
}

/// A raw TLS client: sends bytes, collects whatever comes back.
final class RawTLSClient: Sendable {
    let channel: Channel
    private let received = NIOLockedValueBox(Data())

    init(port: Int, alpn: String, credentials: TLSCredentials?, trusting caPEM: String, group: any EventLoopGroup) async throws {
        let context = try NIOSSLContext(configuration: try TLSSettings.client(credentials: credentials, trustedCAPEMs: [caPEM], applicationProtocols: [alpn]))
        let received = received
        channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                    try channel.pipeline.syncOperations.addHandler(Sink(received))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    var text: String { String(decoding: received.withLockedValue { $0 }, as: UTF8.self) }

    final class Sink: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: NIOLockedValueBox<Data>
        init(_ received: NIOLockedValueBox<Data>) { self.received = received }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            received.withLockedValue { $0.append(contentsOf: buffer.readableBytesView) }
        }
    }
}
