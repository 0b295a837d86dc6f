import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import TetherAPI
import TetherCore
import TetherTransport
import TetherTunnel

/// The node's identity as its connections use it. A renewal replaces it:
/// connections made afterwards (a tunnel re-dial, a proxy connecting to a
/// direct node, an API call) present the new certificate, while established
/// ones carry on with the one they were made with.
final class NodeCredentials: Sendable {
    private struct Prepared {
        var identity: NodeIdentity
        /// TLS towards the proxy for the reverse tunnel: the host
        /// certificate, the cluster CA only, ALPN `tether-tunnel/1`, and a
        /// server that proves to be the cluster's proxy.
        var tunnelDialler: @Sendable (Channel) throws -> Void
        /// TLS for proxies connecting to a direct node (mutual).
        var listenerContext: NIOSSLContext
    }

    private let prepared: NIOLockedValueBox<Prepared>
    /// The proxy a tunnel node dials (for a direct node, its auth service: no tunnel is dialled).
    private let server: ServerEndpoint

    init(_ identity: NodeIdentity, server: ServerEndpoint) throws {
        self.server = server
        prepared = NIOLockedValueBox(try Self.prepare(identity, server: server))
    }

    var identity: NodeIdentity { prepared.withLockedValue { $0.identity } }

    var listenerContext: NIOSSLContext { prepared.withLockedValue { $0.listenerContext } }

    func secureTunnel(_ channel: Channel) throws {
        try prepared.withLockedValue { $0.tunnelDialler }(channel)
    }

    func replace(with identity: NodeIdentity) throws {
        let next = try Self.prepare(identity, server: server)
        prepared.withLockedValue { $0 = next }
    }

    private static func prepare(_ identity: NodeIdentity, server: ServerEndpoint) throws -> Prepared {
        let cluster = identity.record.clusterInfo
        return Prepared(
            identity: identity,
            tunnelDialler: try TunnelTLS.dialler(
                credentials: identity.tlsCredentials, trustedCAPEMs: [cluster.tlsCA], expecting: .proxy(of: cluster.cluster), at: server),
            listenerContext: try NIOSSLContext(configuration: try TLSSettings.server(
                identity.tlsCredentials, clientCertificates: .required, applicationProtocols: [ALPN.tunnel]
            ))
        )
    }
}
