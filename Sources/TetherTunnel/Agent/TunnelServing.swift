import NIOCore
import NIOHTTP2

/// The serving end of a tunnel connection: HTTP/2 server plus keepalive, so
/// the other end can open a stream per session. A tunnel agent installs it
/// on the connection it dialled out; a direct node installs it on the
/// connections its listener accepts from the proxy.
public enum TunnelServing {
    /// Must run on the channel's event loop, after transport security.
    public static func configure(channel: Channel, router: any TunnelStreamRouter, keepalive: KeepalivePolicy) throws {
        let sync = channel.pipeline.syncOperations
        _ = try sync.configureHTTP2Pipeline(
            mode: .server,
            connectionConfiguration: HTTP2Tuning.connection,
            streamConfiguration: HTTP2Tuning.stream,
            inboundStreamInitializer: { stream in
                stream.eventLoop.makeCompletedFuture {
                    try stream.pipeline.syncOperations.addHandler(TunnelStreamAcceptor(router: router))
                }
            }
        )
        try sync.addHandler(PingKeepaliveHandler(policy: keepalive))
    }
}
