import Foundation
import NIOCore
import NIOPosix
import TetherClient
import TetherCore
import TetherTestSupport
import TetherTransport
import Testing

/// Why a server could not be reached, in one sentence each (issue 18): real
/// sockets on 127.0.0.1 that refuse, reset, close or speak something else.
@Suite struct ConnectionFailureTests {
    /// `tether login --proxy ADDRESS` and the sentence it fails with.
    private func loginFailure(at address: String) async throws -> String? {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let client = UserClient(store: ProfileStore(directory: home.path("profile")))
        let options = LoginOptions(proxy: try HostPort(parsing: address), user: "alice", password: "pw", otp: nil, ttl: nil, trust: .insecure)
        let error = await #expect(throws: TetherError.self) { try await client.logIn(options) }
        #expect(error?.code == .unavailable)
        return error?.message
    }

    @Test func refusedSaysNothingListens() async throws {
        let port = try ProcessSupport.freePort()
        #expect(try await loginFailure(at: "127.0.0.1:\(port)")
            == "nothing is listening on 127.0.0.1:\(port) (connection refused); is the proxy running and is --proxy right?")
    }

    @Test func anUnknownHostIsADNSFailure() async throws {
        #expect(try await loginFailure(at: "no-such-host.invalid:3080")
            == "the host name no-such-host.invalid cannot be resolved (DNS lookup failed); is --proxy right?")
    }

    @Test func resetIsNotCalledRefused() async throws {
        try await withServer(.resetAfterReading) { address in
            let message = try await loginFailure(at: address)
            #expect(message == "\(address) reset the connection (connection reset); is the proxy listening there, is --proxy right, and does this address hold fewer connections than its limit?")
        }
    }

    @Test func closedBeforeAnswering() async throws {
        try await withServer(.closeAfterReading) { address in
            let message = try await loginFailure(at: address)
            #expect(message == "\(address) closed the connection before answering; is the proxy listening there, is --proxy right, and does this address hold fewer connections than its limit?")
        }
    }

    @Test func aServerThatDoesNotSpeakTLS() async throws {
        try await withServer(.greet("SSH-2.0-OpenSSH_9.6\r\n")) { address in
            let message = try await loginFailure(at: address)
            #expect(message == "the TLS handshake with \(address) failed (it does not speak TLS); is the proxy listening there, and do the clocks agree?")
        }
    }

    @Test func aProxyOfAnotherCAAsksALoggedInUserToLogInAgain() async throws {
        try await ClientFixture.with { fixture in
            let stranger = try TestCluster(name: "acme").aliceIdentity(proxyAddress: fixture.proxy.address)
            try fixture.client.store.save(stranger)
            let error = await #expect(throws: TetherError.self) { try await fixture.client.nodes(cluster: nil, labels: [:]) }
            #expect(error?.message == "the TLS handshake with \(fixture.proxy.address) failed (its certificate is not signed by the CA this client trusts, or is not a server's); "
                + "if the cluster's CA changed, log in again with tether login --proxy \(fixture.proxy.address) --user alice.")
        }
    }

    @Test(arguments: [ChannelError.connectTimeout(.seconds(5)), IOError(errnoCode: ETIMEDOUT, reason: "connect")] as [any Error])
    func timeoutsSayTheServerDidNotAnswer(error: any Error) {
        let proxy = ServerEndpoint("proxy.example.test:3080", role: "the proxy", setting: "node.proxy_server")
        #expect(SocketFailure.reaching(proxy, error).message
            == "proxy.example.test:3080 did not answer in time (timed out); is the host up and reachable through any firewall, and is node.proxy_server right?")
    }

    /// A TCP server on 127.0.0.1 that is no Tether server, for `body`.
    private func withServer(_ behaviour: Misbehaviour, _ body: (String) async throws -> Void) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(MisbehavingHandler(behaviour)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        do {
            try await body("127.0.0.1:\(server.localAddress?.port ?? 0)")
        } catch {
            try? await server.close()
            throw error
        }
        try await server.close()
    }
}

/// What the server does with each connection.
private enum Misbehaviour: Sendable {
    /// Reads what the client sent first, then closes with SO_LINGER 0,
    /// which sends RST rather than FIN.
    case resetAfterReading
    /// Reads what the client sent first, then closes (FIN).
    case closeAfterReading
    /// Sends this instead of TLS.
    case greet(String)
}

private final class MisbehavingHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let behaviour: Misbehaviour
    init(_ behaviour: Misbehaviour) { self.behaviour = behaviour }

    func channelActive(context: ChannelHandlerContext) {
        if case .greet(let text) = behaviour {
            context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: text)), promise: nil)
        }
        context.fireChannelActive()
    }

    // After the client's hello it waits for an answer, so how the
    // connection ends is what it sees, whatever the timing.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let channel = context.channel
        switch behaviour {
        case .resetAfterReading:
            (channel as? SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
        case .closeAfterReading:
            channel.close(promise: nil)
        case .greet:
            break
        }
    }
}
