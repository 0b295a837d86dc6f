import NIOCore

/// How long a connection may take to become useful, and how many one
/// listener holds: what keeps stalled or flooding clients from holding the
/// one port's descriptors and event-loop time.
public struct ConnectionLimits: Sendable, Equatable {
    /// From accept to a finished TLS handshake (on the proxy this includes
    /// telling TLS from SSH by the first bytes).
    public var handshakeTimeout: TimeAmount
    /// From a finished handshake to the first HTTP request's head.
    public var firstRequestTimeout: TimeAmount
    /// An HTTP keep-alive connection with no request in flight is closed after this.
    public var idleTimeout: TimeAmount
    /// Connections held at once from one source address.
    public var maximumPerAddress: Int
    /// Connections held at once in all: below the process's descriptor limit.
    public var maximumTotal: Int

    public init(
        handshakeTimeout: TimeAmount = .seconds(10),
        firstRequestTimeout: TimeAmount = .seconds(10),
        idleTimeout: TimeAmount = .seconds(60),
        maximumPerAddress: Int = 256,
        maximumTotal: Int = 10_000
    ) {
        self.handshakeTimeout = handshakeTimeout
        self.firstRequestTimeout = firstRequestTimeout
        self.idleTimeout = idleTimeout
        self.maximumPerAddress = maximumPerAddress
        self.maximumTotal = maximumTotal
    }
}
