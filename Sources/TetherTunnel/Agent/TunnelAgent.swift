import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP2
import NIOPosix
import TetherCore

/// What a tunnel agent reports as its connection comes and goes.
public enum TunnelAgentEvent: Sendable {
    case connected
    case disconnected(reason: String)
    /// Dialling failed; the error as NIO reported it, for the caller to put in words.
    case connectFailed(any Error)
    case retrying(after: Duration)
}

public struct TunnelAgentConfiguration: Sendable {
    public var proxyHost: String
    public var proxyPort: Int
    public var keepalive: KeepalivePolicy
    public var backoff: ReconnectBackoff
    public var connectTimeout: TimeAmount
    /// Installs transport security (TLS with the node's identity and the
    /// pinned cluster CA) on each new connection, before HTTP/2.
    public var secureTransport: @Sendable (Channel) throws -> Void

    public init(
        proxyHost: String,
        proxyPort: Int,
        keepalive: KeepalivePolicy = .default,
        backoff: ReconnectBackoff = ReconnectBackoff(),
        connectTimeout: TimeAmount = .seconds(10),
        secureTransport: @escaping @Sendable (Channel) throws -> Void
    ) {
        self.proxyHost = proxyHost
        self.proxyPort = proxyPort
        self.keepalive = keepalive
        self.backoff = backoff
        self.connectTimeout = connectTimeout
        self.secureTransport = secureTransport
    }
}

/// The node's end of a reverse tunnel: dials out to the proxy, then serves
/// as the HTTP/2 *server* on that connection so the proxy can open a stream
/// per session. Keeps the tunnel up until cancelled: a dead peer is noticed by
/// the PING keepalive, and every loss is followed by a jittered, exponential
/// backoff before dialling again.
public struct TunnelAgent: Sendable {
    public var configuration: TunnelAgentConfiguration
    private let group: any EventLoopGroup
    private let router: any TunnelStreamRouter
    private let logger: Logger
    private let onEvent: @Sendable (TunnelAgentEvent) -> Void

    public init(
        configuration: TunnelAgentConfiguration,
        group: any EventLoopGroup,
        router: any TunnelStreamRouter,
        logger: Logger,
        onEvent: @escaping @Sendable (TunnelAgentEvent) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.group = group
        self.router = router
        self.logger = logger
        self.onEvent = onEvent
    }

    /// Runs until the calling task is cancelled.
    public func run() async {
        var backoff = configuration.backoff
        await repeatUntilCancelled {
            do {
                let closeReason = NIOLockedValueBox<String?>(nil)
                let channel = try await connect(recordingCloseReasonIn: closeReason)
                let connectedAt = ContinuousClock.now
                report(.connected)
                await waitUntilClosed(channel)
                report(.disconnected(reason: closeReason.withLockedValue { $0 } ?? "connection closed by the proxy"))
                // A tunnel that held up counts as a success: start the backoff over.
                if ContinuousClock.now - connectedAt >= Duration.nanoseconds(configuration.keepalive.deadAfter.nanoseconds) {
                    backoff.reset()
                }
            } catch {
                report(.connectFailed(error))
            }
            guard !Task.isCancelled else { return nil }
            let delay = backoff.nextDelay()
            report(.retrying(after: delay))
            return delay
        }
    }

    private func report(_ event: TunnelAgentEvent) {
        logger.debug("tunnel agent event", metadata: ["event": "\(event)", "proxy": "\(configuration.proxyHost):\(configuration.proxyPort)"])
        onEvent(event)
    }

    private func connect(recordingCloseReasonIn closeReason: NIOLockedValueBox<String?>) async throws -> Channel {
        let configuration = configuration
        let router = router
        return try await ClientBootstrap(group: group)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try configuration.secureTransport(channel)
                    try TunnelServing.configure(channel: channel, router: router, keepalive: configuration.keepalive)
                    try channel.pipeline.syncOperations.addHandler(CloseReasonRecorder(into: closeReason))
                }
            }
            .connect(host: configuration.proxyHost, port: configuration.proxyPort)
            .get()
    }

    private func waitUntilClosed(_ channel: Channel) async {
        await withTaskCancellationHandler {
            _ = try? await channel.closeFuture.get()
        } onCancel: {
            channel.close(promise: nil)
        }
    }
}
