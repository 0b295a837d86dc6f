import NIOCore
import NIOSSL
import TetherAPI
import TetherCore
import TetherTransport
import TetherTunnel

extension NodeIdentity {
    /// TLS towards the proxy for the reverse tunnel: the node's host
    /// certificate, the cluster CA only, ALPN `tether-tunnel/1`.
    func tunnelSecurity() throws -> @Sendable (Channel) throws -> Void {
        try TunnelTLS.dialler(credentials: tlsCredentials, trustedCAPEMs: [record.clusterInfo.tlsCA])
    }
}
