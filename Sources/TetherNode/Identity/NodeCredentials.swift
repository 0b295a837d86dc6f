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
        /// certificate, the cluster CA only, ALPN `tether-tunnel/1`.
        var tunnelDialler: @Sendable (Channel) throws -> Void
        /// TLS for proxies connecting to a direct node (mutual).
        var listenerContext: NIOSSLContext
    }

    private let prepared: NIOLockedValueBox<Prepared>

    init(_ identity: NodeIdentity) throws {
        prepared = NIOLockedValueBox(try Self.prepare(identity))
    }

    var identity: NodeIdentity { prepared.withLockedValue { $0.identity } }

    var listenerContext: NIOSSLContext { prepared.withLockedValue { $0.listenerContext } }

    func secureTunnel(_ channel: Channel) throws {
        try prepared.withLockedValue { $0.tunnelDialler }(channel)
    }

    func replace(with identity: NodeIdentity) throws {
        let next = try Self.prepare(identity)
        prepared.withLockedValue { $0 = next }
    }

    private static func prepare(_ identity: NodeIdentity) throws -> Prepared {
        Prepared(
            identity: identity,
            tunnelDialler: try TunnelTLS.dialler(credentials: identity.tlsCredentials, trustedCAPEMs: [identity.record.clusterInfo.tlsCA]),
            listenerContext: try NIOSSLContext(configuration: try TLSSettings.server(
                identity.tlsCredentials, clientCertificates: .required, applicationProtocols: [ALPN.tunnel]
            ))
        )
    }
}
