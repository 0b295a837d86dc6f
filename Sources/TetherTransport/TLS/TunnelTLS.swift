import NIOCore
import NIOSSL
import TetherCore

/// Transport security for the dialling end of a reverse tunnel (a node, or
/// a leaf cluster's proxy), as a `TunnelAgentConfiguration.secureTransport`.
public enum TunnelTLS {
    /// Presents `credentials`, trusts only `trustedCAPEMs`, ALPN
    /// `tether-tunnel/1`, and talks only to `expected` (a proxy of the cluster).
    public static func dialler(
        credentials: TLSCredentials, trustedCAPEMs: [String], expecting expected: ExpectedServer, at server: ServerEndpoint
    ) throws -> @Sendable (Channel) throws -> Void {
        let context = try NIOSSLContext(configuration: try TLSSettings.tunnelDialler(credentials: credentials, trustedCAPEMs: trustedCAPEMs))
        return { channel in
            try channel.pipeline.syncOperations.addHandlers(try ServerIdentityCheck.handlers(context: context, expecting: expected, at: server))
        }
    }
}
