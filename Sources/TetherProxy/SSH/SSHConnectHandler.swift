import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import TetherAPI
import TetherCore
import TetherIdentity
import TetherTransport
import TetherTunnel

/// Serves ALPN `tether-ssh/1`: reads the user's `CONNECT node:0` request,
/// checks who is asking (their TLS client certificate), finds the node
/// among those the user may see (a leaf's proxy does that for its nodes),
/// opens a `/v1/ssh` stream to it carrying the user's SSH certificate, and
/// then splices the connection onto that stream. SSH runs end to end from
/// the client to the node: the proxy never sees session keys.
final class SSHConnectHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    struct Routing: Sendable {
        var clusterName: String
        var directory: NodeDirectory
        var connector: NodeConnector
        var leaves: LeafRelay
        var onEvent: @Sendable (ProxyEvent) -> Void
    }

    private let routing: Routing
    private var head: HTTPRequestHead?

    init(routing: Routing) {
        self.routing = routing
    }

    /// Installs the HTTP/1.1 request parsing this handler needs, and itself.
    static func install(on channel: Channel, routing: Routing) throws {
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)))
        try sync.addHandler(HTTPResponseEncoder())
        try sync.addHandler(SSHConnectHandler(routing: routing))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            route(head, context: context)
        }
    }

    private func route(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        // Bytes after the CONNECT (the client's SSH version line may follow
        // at once) wait in the HTTP decoder, which stops parsing after CONNECT.
        let request: ConnectRequest
        do {
            request = try connectRequest(from: head, channel: context.channel)
        } catch {
            return refuse(error, context: context)
        }
        // What the node sends before the user side is spliced waits here.
        let holdEarlyBytes: @Sendable (Channel) throws -> Void = { stream in
            try stream.pipeline.syncOperations.addHandler(InboundHold())
        }
        let opened: EventLoopFuture<Channel>
        if let leaf = request.leafCluster {
            // The leaf's proxy finds the node and checks the user itself.
            opened = routing.leaves.openStream(to: leaf, request: request.streamRequest(node: request.node), on: context.eventLoop, initializer: holdEarlyBytes)
            let onEvent = routing.onEvent
            opened.whenSuccess { _ in
                onEvent(.routedToLeaf(user: request.user, cluster: leaf, node: request.node, clientAddress: request.clientAddress))
            }
        } else {
            let (directory, connector, cluster, eventLoop) = (routing.directory, routing.connector, routing.clusterName, context.eventLoop)
            let viewer = NodeViewer(user: request.user, roles: request.roles, clientAddress: request.clientAddress)
            // Answered from memory; who may see the node is read off the event loop.
            opened = directory.route(named: request.node, for: viewer, cluster: cluster, inLeaf: false, on: eventLoop).flatMap { route in
                connector.openStream(to: route, request: request.streamRequest(node: route.name), on: eventLoop, initializer: holdEarlyBytes)
            }
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        opened.whenComplete { result in
            let (handler, context) = bound.value
            switch result {
            case .success(let stream):
                handler.splice(context: context, with: stream)
            case .failure(let error):
                handler.refuse(error, context: context)
            }
        }
    }

    private func connectRequest(from head: HTTPRequestHead, channel: Channel) throws(TetherError) -> ConnectRequest {
        guard head.method == .CONNECT else {
            throw TetherError(.invalidArgument, "expected CONNECT NODE:0 on \(ALPN.ssh), got \(head.method).")
        }
        guard let identity = try PeerIdentity.of(channel), identity.kind == .user, identity.cluster == routing.clusterName else {
            throw TetherError(.accessDenied, "no user certificate of cluster \(routing.clusterName) was presented; run `tether login` first.")
        }
        let target = head.uri
        let node = target.lastIndex(of: ":").map { String(target[..<$0]) } ?? target
        guard !node.isEmpty else {
            throw TetherError(.invalidArgument, "the CONNECT request names no node.")
        }
        let cluster = head.headers.first(name: SSHRouting.clusterHeader).flatMap { $0.isEmpty || $0 == routing.clusterName ? nil : $0 }
        guard let certificate = head.headers.first(name: SSHRouting.certificateHeader), !certificate.isEmpty else {
            throw TetherError(.invalidArgument, "the CONNECT request carries no \(SSHRouting.certificateHeader); run `tether login` again.")
        }
        let clientAddress = channel.remoteAddress?.ipAddress ?? "unknown"
        do {
            try Self.requireSameUser(certificate, as: identity)
        } catch {
            routing.onEvent(.nodeRefused(user: identity.name, node: node, reason: error.message, originCluster: identity.originCluster, clientAddress: clientAddress))
            throw error
        }
        return ConnectRequest(
            user: identity.name,
            roles: identity.roles,
            node: node,
            leafCluster: cluster,
            certificate: certificate,
            clientAddress: clientAddress
        )
    }

    /// Routing and the audit go by the TLS certificate, the node's login by
    /// the SSH certificate: they must speak for the same user of the same
    /// cluster, or one user's connection would carry another's login.
    /// Only compared here: the node verifies the SSH certificate's signature.
    static func requireSameUser(_ certificateLine: String, as tls: TLSIdentity) throws(TetherError) {
        let ssh: TetherCertificateIdentity
        do {
            ssh = try TetherCertificateIdentity(certificate: try SSHCertificate(authorizedKeyLine: certificateLine))
        } catch {
            throw TetherError(.invalidArgument, "the \(SSHRouting.certificateHeader) of the CONNECT request is no Tether SSH certificate (\(TetherError.clause(error))); run `tether login` again.")
        }
        guard ssh.user == tls.name, ssh.cluster == tls.cluster, ssh.originCluster == tls.originCluster else {
            throw TetherError(.accessDenied, "the SSH certificate of the CONNECT request is user \(ssh.user) of cluster \(ssh.cluster), but its TLS certificate is \(tls.name) of cluster \(tls.cluster); connect with the SSH and TLS certificates of one `tether login`.")
        }
    }

    /// Answers 200, swaps HTTP parsing out for the splice, and lets bytes flow.
    private func splice(context: ChannelHandlerContext, with stream: Channel) {
        let user = context.channel
        do {
            let sync = context.pipeline.syncOperations
            _ = sync.removeHandler(try sync.handler(type: HTTPResponseEncoder.self))
            context.writeAndFlush(NIOAny(ByteBuffer(string: "HTTP/1.1 200 Connection Established\r\n\r\n")), promise: nil)
            try sync.addHandler(SpliceHandler(partner: stream))
            let decoder = try sync.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            sync.removeHandler(context: context, promise: nil)
            // Removing the decoder forwards the bytes it held past the CONNECT
            // to the splice, which passes them on to the stream.
            _ = sync.removeHandler(decoder)
        } catch {
            stream.close(promise: nil)
            user.close(promise: nil)
            return
        }
        stream.eventLoop.execute {
            do {
                let sync = stream.pipeline.syncOperations
                try sync.addHandler(SpliceHandler(partner: user))
                // Replays what the node already sent into the splice.
                _ = sync.removeHandler(try sync.handler(type: InboundHold.self))
            } catch {
                stream.close(promise: nil)
            }
        }
    }

    private func refuse(_ error: Error, context: ChannelHandlerContext) {
        let tetherError = (error as? TetherError) ?? TetherError(.unavailable, "the proxy could not reach the node: \(error).")
        let body = (try? JSONEncoder().encode(APIErrorBody(tetherError))) ?? Data()
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        let status = HTTPResponseStatus(statusCode: APIErrorBody.status(for: tetherError.code))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}

/// A user's CONNECT request, checked: the node asked for (in a leaf
/// cluster, or in this one) and what the node is told.
struct ConnectRequest: Sendable {
    var user: String
    var roles: [String]
    var node: String
    var leafCluster: String?
    var certificate: String
    var clientAddress: String

    func streamRequest(node: String) -> TunnelStreamRequest {
        TunnelStreamRequest(path: SSHRouting.streamPath, metadata: [
            SSHRouting.Metadata.certificate: certificate,
            SSHRouting.Metadata.clientAddress: clientAddress,
            SSHRouting.Metadata.node: node,
        ])
    }
}
