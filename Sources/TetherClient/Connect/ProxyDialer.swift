import NIOCore
import NIOPosix
import NIOSSL
import TetherAPI
import TetherCore
import TetherTransport

/// Opens a byte stream to a node through the proxy: TLS with ALPN
/// `tether-ssh/1` and the user's client certificate, then the CONNECT
/// handshake. What runs on top (an SSH client, a raw pipe) is installed by
/// the caller's `adopt`, before the bytes that followed the answer are passed on.
struct ProxyDialer {
    let proxy: ServerEndpoint
    private let address: HostPort
    let tls: TLSConfiguration
    /// The pinned cluster's proxy: nothing else gets the CONNECT.
    let expected: ExpectedServer
    let eventLoopGroup: any EventLoopGroup
    var answerTimeout: TimeAmount = .seconds(30)

    init(identity: ClientIdentity, eventLoopGroup: any EventLoopGroup) throws(TetherError) {
        self.proxy = identity.profile.proxy
        self.address = try HostPort(parsing: identity.profile.proxyAddress)
        self.tls = try TLSSettings.client(
            credentials: identity.tlsCredentials,
            trustedCAPEMs: [identity.profile.clusterInfo.tlsCA],
            applicationProtocols: [ALPN.ssh]
        )
        self.expected = .proxy(of: identity.profile.clusterInfo.cluster)
        self.eventLoopGroup = eventLoopGroup
    }

    /// Connects, completes the CONNECT and runs `adopt` on the channel's event
    /// loop to install the next protocol. Returns the channel and what `adopt` made.
    func dial<Adopted: Sendable>(
        _ target: ConnectTarget,
        adopt: @escaping @Sendable (Channel) throws -> Adopted
    ) async throws(TetherError) -> (channel: Channel, adopted: Adopted) {
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: tls)
        } catch {
            throw TetherError(.malformed, "the saved TLS credentials cannot be used (\(error)); run tether login again.")
        }
        let loop = eventLoopGroup.next()
        let answer = loop.makePromise(of: Void.self)
        let (proxy, expected) = (proxy, expected)
        let timeout = answerTimeout
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandlers(try ServerIdentityCheck.handlers(context: context, expecting: expected, at: proxy))
                    try pipeline.addHandler(
                        ConnectHandshakeHandler(target: target, proxy: proxy, outcome: answer, timeout: timeout),
                        name: ConnectHandshakeHandler.name
                    )
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: address.host, port: address.port).get()
        } catch {
            answer.fail(error)
            throw SocketFailure.reaching(proxy, error)
        }
        do {
            try await answer.futureResult.get()
            let adopted = try await channel.eventLoop.submit {
                // Closed between the answer and now (under load, it happens): the next
                // protocol's handlers would never start, and must not get the held bytes.
                guard channel.isActive else {
                    throw TetherError(.unavailable, "the proxy at \(proxy) closed the connection to \(target.node) as soon as it was connected; try again.")
                }
                let adopted = try adopt(channel)
                channel.pipeline.syncOperations.removeHandler(name: ConnectHandshakeHandler.name, promise: nil)
                return adopted
            }.get()
            return (channel, adopted)
        } catch {
            try? await channel.close()
            throw SocketFailure.reaching(proxy, error)
        }
    }
}
