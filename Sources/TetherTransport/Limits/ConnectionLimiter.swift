import NIOConcurrencyHelpers
import NIOCore

/// Counts the connections a listener holds, per source address and in all:
/// counted at accept, released at close. Loopback is not exempt.
public final class ConnectionLimiter: Sendable {
    public enum Refusal: Equatable, Sendable, CustomStringConvertible {
        case address(String, limit: Int)
        case total(limit: Int)

        public var description: String {
            switch self {
            case .address(let address, let limit): "\(address) already holds \(limit) connections, the most one address may"
            case .total(let limit): "\(limit) connections are open, the most this listener holds"
            }
        }
    }

    private struct Counts {
        var total = 0
        var perAddress: [String: Int] = [:]
    }

    public let maximumPerAddress: Int
    public let maximumTotal: Int
    private let counts = NIOLockedValueBox(Counts())

    public init(maximumPerAddress: Int, maximumTotal: Int) {
        self.maximumPerAddress = maximumPerAddress
        self.maximumTotal = maximumTotal
    }

    public convenience init(_ limits: ConnectionLimits) {
        self.init(maximumPerAddress: limits.maximumPerAddress, maximumTotal: limits.maximumTotal)
    }

    /// Counts a connection from `address`, or says why it may not be held.
    public func admit(_ address: String) -> Refusal? {
        counts.withLockedValue { counts in
            let held = counts.perAddress[address, default: 0]
            if held >= maximumPerAddress { return .address(address, limit: maximumPerAddress) }
            if counts.total >= maximumTotal { return .total(limit: maximumTotal) }
            counts.perAddress[address] = held + 1
            counts.total += 1
            return nil
        }
    }

    /// Releases a connection `admit` counted.
    public func release(_ address: String) {
        counts.withLockedValue { counts in
            guard let held = counts.perAddress[address] else { return }
            counts.perAddress[address] = held > 1 ? held - 1 : nil
            counts.total -= 1
        }
    }

    public func held(from address: String) -> Int { counts.withLockedValue { $0.perAddress[address, default: 0] } }
    public var total: Int { counts.withLockedValue { $0.total } }

    /// Admits `channel`'s connection (releasing it when the channel closes),
    /// or closes the channel and returns why.
    public func admit(_ channel: any Channel) -> Refusal? {
        let address = Self.key(of: channel)
        if let refusal = admit(address) {
            channel.close(promise: nil)
            return refusal
        }
        channel.closeFuture.whenComplete { _ in self.release(address) }
        return nil
    }

    /// The address a connection is counted under: its IP, without the port.
    static func key(of channel: any Channel) -> String {
        channel.remoteAddress?.ipAddress ?? "unknown"
    }
}

/// The first handler on an accepted connection where the listener's
/// bootstrap is not ours (Hummingbird's): admits the connection once it is
/// active, or closes it, then steps aside.
public final class ConnectionAdmissionHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = NIOAny

    private let limiter: ConnectionLimiter
    private let onRefusal: @Sendable (ConnectionLimiter.Refusal) -> Void

    public init(limiter: ConnectionLimiter, onRefusal: @escaping @Sendable (ConnectionLimiter.Refusal) -> Void) {
        self.limiter = limiter
        self.onRefusal = onRefusal
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        admit(context)
    }

    private func admit(_ context: ChannelHandlerContext) {
        if let refusal = limiter.admit(context.channel) { onRefusal(refusal) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
