import Foundation
import TetherTestSupport
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TetherCore
@testable import TetherTunnel

/// Serves `/v1/echo` (writes the `greeting` metadata, then echoes until the
/// opener half-closes) and refuses `/v1/denied`; under `/v1/later/` the same
/// after a pause, as a router that first opens what it relays to.
struct EchoRouter: TunnelStreamRouter {
    static let laterPrefix = "/v1/later/"

    func route(_ request: TunnelStreamRequest, stream: Channel) -> EventLoopFuture<TunnelStreamService> {
        guard request.path.hasPrefix(Self.laterPrefix) else {
            return stream.eventLoop.makeCompletedFuture { try decide(request) }
        }
        let now = TunnelStreamRequest(path: "/v1/" + request.path.dropFirst(Self.laterPrefix.count), metadata: request.metadata)
        // The pause only makes the decision come after the opener's bytes; no test waits on its length.
        return stream.eventLoop.scheduleTask(in: .milliseconds(100)) { try decide(now) }.futureResult
    }

    private func decide(_ request: TunnelStreamRequest) throws -> TunnelStreamService {
        switch request.path {
        case "/v1/echo":
            let greeting = request.metadata["greeting"] ?? ""
            return { channel in try channel.pipeline.syncOperations.addHandler(EchoHandler(greeting: greeting)) }
        case "/v1/denied":
            throw TetherError(.accessDenied, "role \"viewer\" may not open /v1/denied.")
        default:
            throw TetherError(.notFound, "no service at \(request.path).")
        }
    }
}

final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let greeting: String
    init(greeting: String) { self.greeting = greeting }

    func handlerAdded(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: greeting)), promise: nil)
    }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.write(data, promise: nil)
    }
    func channelReadComplete(context: ChannelHandlerContext) { context.flush() }
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { context.close(mode: .output, promise: nil) }
    }
}

/// Gathers a stream's bytes until the far end half-closes or closes.
final class Collector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private var bytes = ByteBuffer()
    let done: EventLoopPromise<String>
    init(done: EventLoopPromise<String>) { self.done = done }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        bytes.writeBuffer(&buffer)
    }
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { done.succeed(String(buffer: bytes)) }
    }
    func channelInactive(context: ChannelHandlerContext) { done.succeed(String(buffer: bytes)) }
}

/// A hub on a port below the ephemeral range (32768+): while a hub is down,
/// an agent re-dialling an ephemeral port can connect to itself (TCP
/// simultaneous open) and take the port, so restart tests avoid that range.
func startHubOnFixedPort(registry: TunnelRegistry, group: EventLoopGroup) async throws -> Channel {
    var lastError: (any Error)?
    for _ in 0..<50 {
        do {
            return try await startHub(registry: registry, group: group, port: Int.random(in: 20_000..<30_000))
        } catch {
            lastError = error
        }
    }
    throw lastError!
}

/// The proxy side: accepts connections and hands each to the registry as `peerID`.
func startHub(registry: TunnelRegistry, group: EventLoopGroup, port: Int = 0, peerID: String = "node-1") async throws -> Channel {
    try await ServerBootstrap(group: group)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture { try registry.adopt(channel: channel, peerID: peerID) }
        }
        .bind(host: "127.0.0.1", port: port)
        .get()
}

/// A TCP relay between agent and hub whose path can be black-holed: while
/// `blackHoled` is set, bytes in both directions vanish but the sockets stay
/// open, which is what a dead NAT mapping or a yanked cable looks like.
final class BlackHoleRelay: Sendable {
    let blackHoled = NIOLockedValueBox(false)
    private let listener: Channel

    var port: Int { listener.localAddress!.port! }

    init(group: EventLoopGroup, targetPort: Int) async throws {
        let blackHoled = blackHoled
        listener = try await ServerBootstrap(group: group)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                ClientBootstrap(group: inbound.eventLoop)
                    .connect(host: "127.0.0.1", port: targetPort)
                    .flatMap { outbound in
                        inbound.eventLoop.makeCompletedFuture {
                            try inbound.pipeline.syncOperations.addHandler(BlackHoleGate(blackHoled))
                            try outbound.pipeline.syncOperations.addHandler(BlackHoleGate(blackHoled))
                        }
                        .flatMap { SpliceHandler.splice(inbound, outbound) }
                        .flatMap { inbound.setOption(.autoRead, value: true) }
                    }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    func close() async throws { try await listener.close() }
}

private final class BlackHoleGate: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let blackHoled: NIOLockedValueBox<Bool>
    init(_ blackHoled: NIOLockedValueBox<Bool>) { self.blackHoled = blackHoled }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !blackHoled.withLockedValue({ $0 }) { context.fireChannelRead(data) }
    }
}

/// Records agent events for assertions.
final class EventLog: Sendable {
    private let events = NIOLockedValueBox<[TunnelAgentEvent]>([])
    func append(_ event: TunnelAgentEvent) { events.withLockedValue { $0.append(event) } }
    var disconnects: Int {
        events.withLockedValue { $0.filter { if case .disconnected = $0 { true } else { false } }.count }
    }
}


func makeAgent(port: Int, group: EventLoopGroup, keepalive: KeepalivePolicy = .default, events: EventLog = EventLog()) -> TunnelAgent {
    TunnelAgent(
        configuration: TunnelAgentConfiguration(
            proxyHost: "127.0.0.1",
            proxyPort: port,
            keepalive: keepalive,
            backoff: ReconnectBackoff(initial: .milliseconds(20), cap: .milliseconds(300)),
            secureTransport: { _ in }
        ),
        group: group,
        router: EchoRouter(),
        logger: Logger(label: "test.agent"),
        onEvent: events.append
    )
}
