import NIOCore
import TetherAPI
import TetherIdentity
import TetherTransport

/// On a direct node's listener, right after TLS: lets bytes through only
/// if the (already CA-verified) client certificate is a proxy's host
/// certificate of this cluster. Checked on the first decrypted bytes, when
/// the handshake has necessarily completed.
final class ProxyOnlyGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let cluster: String

    init(cluster: String) { self.cluster = cluster }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let peer = try? PeerIdentity.of(context.channel)
        guard let peer, peer.kind == .host, peer.cluster == cluster, peer.roles.contains(ForwardedIdentity.proxyRole) else {
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
