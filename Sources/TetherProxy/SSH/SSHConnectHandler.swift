import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import TetherAPI
import TetherCore
import TetherIdentity
import TetherTransport
import TetherTunnel

/// Serves ALPN `tether-ssh/1`: performs what `ConnectStateMachine` decides
/// for the user's `CONNECT node:0` request (the checks, the deadline),
/// finds the node among those the user may see (a leaf's proxy does that
/// for its nodes), opens a `/v1/ssh` stream to it carrying the user's SSH
/// certificate, and then splices the connection onto that stream. SSH runs
/// end to end from the client to the node: the proxy never sees session keys.
final class SSHConnectHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    struct Routing: Sendable {
        var clusterName: String
        var directory: NodeDirectory
        var connector: NodeConnector
        var leaves: LeafRelay
        var onEvent: @Sendable (ProxyEvent) -> Void
        /// How long a client has to complete its CONNECT request.
        var requestDeadline: TimeAmount = ConnectStateMachine.defaultDeadline
    }

    private let routing: Routing
    private var machine: ConnectStateMachine
    private var deadline: Scheduled<Void>?

    init(routing: Routing) {
        self.routing = routing
        self.machine = ConnectStateMachine(clusterName: routing.clusterName, deadline: routing.requestDeadline)
    }

    /// Installs the HTTP/1.1 request parsing this handler needs, and itself.
    static func install(on channel: Channel, routing: Routing) throws {
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)))
        try sync.addHandler(HTTPResponseEncoder())
        try sync.addHandler(SSHConnectHandler(routing: routing))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: machine.deadline) {
            let (handler, context) = bound.value
            handler.perform(handler.machine.deadlinePassed(), context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelDeadline()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            perform(machine.receivedHead(head), context: context)
        case .body:
            break
        case .end:
            // Bytes after the CONNECT (the client's SSH version line may follow
            // at once) wait in the HTTP decoder, which stops parsing after CONNECT.
            let peer = Result { () throws(TetherError) in try PeerIdentity.of(context.channel) }
            perform(machine.receivedEnd(peer: peer, clientAddress: context.channel.remoteAddress?.ipAddress ?? "unknown"), context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        perform(machine.requestMalformed(error), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        machine.connectionClosed()
        cancelDeadline()
        context.fireChannelInactive()
    }

    private func perform(_ action: ConnectStateMachine.Action, context: ChannelHandlerContext, stream: Channel? = nil) {
        switch action {
        case .none:
            break
        case .route(let request):
            cancelDeadline()
            route(request, context: context)
        case .refuse(let error, let audit):
            cancelDeadline()
            if let audit { routing.onEvent(audit) }
            refuse(error, context: context)
        case .splice:
            if let stream { splice(context: context, with: stream) }
        case .closeStream:
            stream?.close(promise: nil)
        }
    }

    private func cancelDeadline() {
        deadline?.cancel()
        deadline = nil
    }

    private func route(_ request: ConnectRequest, context: ChannelHandlerContext) {
        let routing = routing
        let eventLoop = context.eventLoop
        let opened = StreamHop.open(for: context.channel) { holdEarlyBytes in
            if let leaf = request.leafCluster {
                // The leaf's proxy finds the node and checks the user itself.
                let opened = routing.leaves.openStream(to: leaf, request: request.streamRequest(node: request.node).tunnelRequest, on: eventLoop, initializer: holdEarlyBytes)
                opened.whenSuccess { _ in
                    routing.onEvent(.routedToLeaf(user: request.user, cluster: leaf, node: request.node, clientAddress: request.clientAddress))
                }
                return opened
            }
            let viewer = NodeViewer(user: request.user, roles: request.roles, clientAddress: request.clientAddress)
            // Answered from memory; who may see the node is read off the event loop.
            return routing.directory.route(named: request.node, for: viewer, cluster: routing.clusterName, inLeaf: false, on: eventLoop).flatMap { route in
                routing.connector.openStream(to: route, request: request.streamRequest(node: route.name).tunnelRequest, on: eventLoop, initializer: holdEarlyBytes)
            }
        }
        let bound = NIOLoopBound((self, context), eventLoop: eventLoop)
        opened.whenComplete { result in
            let (handler, context) = bound.value
            switch result {
            case .success(let stream):
                handler.perform(handler.machine.streamOpened(), context: context, stream: stream)
            case .failure(let error):
                handler.perform(handler.machine.streamFailed(error), context: context)
            }
        }
    }

    /// Answers 200, swaps HTTP parsing out for the splice, and lets bytes flow.
    private func splice(context: ChannelHandlerContext, with stream: Channel) {
        let user = context.channel
        do {
            let sync = context.pipeline.syncOperations
            _ = sync.removeHandler(try sync.handler(type: HTTPResponseEncoder.self))
            context.writeAndFlush(NIOAny(ByteBuffer(string: "HTTP/1.1 200 Connection Established\r\n\r\n")), promise: nil)
            let decoder = try sync.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            StreamHop.splice(user, onto: stream)
            sync.removeHandler(context: context, promise: nil)
            // Removing the decoder forwards the bytes it held past the CONNECT
            // to the splice's hold, which passes them on to the stream.
            _ = sync.removeHandler(decoder)
        } catch {
            stream.close(promise: nil)
            user.close(promise: nil)
        }
    }

    private func refuse(_ error: TetherError, context: ChannelHandlerContext) {
        let body = (try? JSONEncoder().encode(APIErrorBody(error))) ?? Data()
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        let status = HTTPResponseStatus(statusCode: APIErrorBody.status(for: error.code))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
