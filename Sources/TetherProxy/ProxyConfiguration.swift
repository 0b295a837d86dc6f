import Logging
import NIOCore
import TetherTransport
import TetherTunnel

/// What a proxy needs to run: where to listen, who it is, and where the
/// auth service it fronts lives.
public struct ProxyConfiguration: Sendable {
    public var clusterName: String
    public var listenHost: String
    public var listenPort: Int
    /// The proxy's host identity (TLS role "proxy") and the cluster CA.
    public var credentials: TLSCredentials
    /// host:port of the auth service's API.
    public var authAddress: String
    public var keepalive: KeepalivePolicy
    /// How often the node directory is refreshed from the auth service.
    public var directoryRefresh: Duration
    /// How long a client has, once its TLS connection is up on ALPN
    /// `tether-ssh/1`, to complete its `CONNECT` request.
    public var connectRequestDeadline: Duration
    /// Deadlines and connection caps on the one port.
    public var limits: ConnectionLimits

    public init(
        clusterName: String,
        listenHost: String,
        listenPort: Int,
        credentials: TLSCredentials,
        authAddress: String,
        keepalive: KeepalivePolicy = .default,
        directoryRefresh: Duration = .seconds(2),
        connectRequestDeadline: Duration = .seconds(10),
        limits: ConnectionLimits = ConnectionLimits()
    ) {
        self.clusterName = clusterName
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.credentials = credentials
        self.authAddress = authAddress
        self.keepalive = keepalive
        self.directoryRefresh = directoryRefresh
        self.connectRequestDeadline = connectRequestDeadline
        self.limits = limits
    }
}
