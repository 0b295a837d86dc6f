import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP2
import TetherCore

/// A live tunnel as the proxy sees it.
public struct TunnelStatus: Sendable, Equatable {
    public var peerID: String
    public var connectedAt: Date
    /// The peer's IP address as this proxy sees it (a NAT's, for a device behind one).
    public var remoteAddress: String?
    /// Why the tunnel went (the error that closed it), once it has.
    public var closeReason: String?
}

/// The proxy's end of reverse tunnels: adopts connections whose peer
/// (identified by the caller, from its TLS certificate) dialled in, plays the
/// HTTP/2 client on them, and opens streams to a peer on demand. One tunnel
/// per peer: a reconnecting peer replaces its stale tunnel.
public final class TunnelRegistry: Sendable {
    private struct Entry {
        var channel: Channel
        var multiplexer: NIOHTTP2Handler.StreamMultiplexer
        var status: TunnelStatus
        var closeReason: NIOLockedValueBox<String?>
    }

    private let entries = NIOLockedValueBox<[String: Entry]>([:])
    private let keepalive: KeepalivePolicy
    private let onChange: @Sendable (TunnelStatus, Bool) -> Void

    /// `onChange(status, online)` runs when a peer's tunnel comes or goes.
    public init(keepalive: KeepalivePolicy = .default, onChange: @escaping @Sendable (TunnelStatus, Bool) -> Void = { _, _ in }) {
        self.keepalive = keepalive
        self.onChange = onChange
    }

    /// Takes over an accepted connection from `peerID`. Must run on the
    /// channel's event loop, after transport security is in place.
    public func adopt(channel: Channel, peerID: String) throws {
        let sync = channel.pipeline.syncOperations
        let multiplexer = try sync.configureHTTP2Pipeline(
            mode: .client,
            connectionConfiguration: HTTP2Tuning.connection,
            streamConfiguration: HTTP2Tuning.stream,
            inboundStreamInitializer: { stream in
                // Agents only answer streams; one they open is refused.
                stream.close(promise: nil)
                return stream.eventLoop.makeSucceededVoidFuture()
            }
        )
        try sync.addHandler(PingKeepaliveHandler(policy: keepalive))
        let closeReason = NIOLockedValueBox<String?>(nil)
        try sync.addHandler(CloseReasonRecorder(into: closeReason) { [weak self] in
            // Offline from the keepalive's verdict, not from the end of the TLS close.
            self?.forget(peerID: peerID, channel: channel)
        })

        let status = TunnelStatus(peerID: peerID, connectedAt: Date(), remoteAddress: channel.remoteAddress?.ipAddress)
        let replaced = entries.withLockedValue { entries in
            defer { entries[peerID] = Entry(channel: channel, multiplexer: multiplexer, status: status, closeReason: closeReason) }
            return entries[peerID]?.channel
        }
        replaced?.close(promise: nil)
        onChange(status, true)

        channel.closeFuture.whenComplete { [weak self] _ in
            self?.forget(peerID: peerID, channel: channel)
        }
    }

    private func forget(peerID: String, channel: Channel) {
        let removed = entries.withLockedValue { entries -> TunnelStatus? in
            // A reconnect may already have replaced this tunnel: keep the new one.
            guard let entry = entries[peerID], entry.channel === channel else { return nil }
            entries[peerID] = nil
            var status = entry.status
            status.closeReason = entry.closeReason.withLockedValue { $0 } ?? "the connection closed without an error (the peer hung up, or this proxy closed it)"
            return status
        }
        if let removed { onChange(removed, false) }
    }

    /// Closes every tunnel (proxy shutdown); agents will dial back in.
    public func closeAll() async {
        let channels = entries.withLockedValue { $0.values.map(\.channel) }
        for channel in channels {
            try? await channel.close()
        }
    }

    /// Closes `peerID`'s tunnel, if it has one (its trust was withdrawn).
    public func close(peerID: String) {
        entries.withLockedValue { $0[peerID]?.channel }?.close(promise: nil)
    }

    public func status(of peerID: String) -> TunnelStatus? {
        entries.withLockedValue { $0[peerID]?.status }
    }

    public var connected: [TunnelStatus] {
        entries.withLockedValue { $0.values.map(\.status) }.sorted { $0.peerID < $1.peerID }
    }

    /// Opens a stream to `peerID`. `initializer` runs on the stream's event
    /// loop once the peer accepted, before any byte arrives: add the handlers
    /// that consume the stream there (or turn `autoRead` off until they exist).
    public func openStream(
        to peerID: String,
        request: TunnelStreamRequest,
        on eventLoop: any EventLoop,
        initializer: @escaping @Sendable (Channel) throws -> Void
    ) -> EventLoopFuture<Channel> {
        guard let entry = entries.withLockedValue({ $0[peerID] }) else {
            return eventLoop.makeFailedFuture(TetherError(.unavailable, "\(peerID) has no tunnel to this proxy (offline)."))
        }
        let result = entry.channel.eventLoop.makePromise(of: Channel.self)
        entry.multiplexer.createStreamChannel { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(
                    TunnelStreamOpener(request: request, initializer: initializer, result: result)
                )
            }
        }.whenFailure { result.fail($0) }
        return result.futureResult.hop(to: eventLoop)
    }
}
