import NIOCore
import NIOPosix
import NIOSSH
import TetherCore
import TetherStorage
import TetherTunnel

/// `direct-tcpip` channels (ssh -L): connects to the target from the node
/// and splices the two, only when the certificate and the roles allow port
/// forwarding. Both outcomes are audited; with `on_spool_failure: refuse`
/// a forward the spool cannot record is refused.
enum DirectTCPIPForwarder {
    static func open(_ child: Channel, target: SSHChannelType.DirectTCPIP, admission: Admission, subject: AuditSubject, auditor: NodeAuditor) -> EventLoopFuture<Void> {
        let destination = "\(target.targetHost):\(target.targetPort)"
        guard admission.permitPortForwarding else {
            let reason = "port forwarding is not allowed for \(admission.identity.user) by their roles or certificate"
            auditor.emit(NodeAuditor.EventType.portForward, subject, fields: ["addr": .string(destination), "success": .bool(false), "reason": .string(reason)])
            return child.eventLoop.makeFailedFuture(TetherError(.accessDenied, reason + "."))
        }
        // Through the sink, so the event loop does not wait for the spool; the outcome decides.
        let event = auditor.event(NodeAuditor.EventType.portForward, subject, fields: ["addr": .string(destination), "success": .bool(true)])
        return auditor.sink.submit([event], on: child.eventLoop)
            .flatMapError { error in
                // Logged and counted by the sink; `continue` forwards unaudited.
                guard auditor.onSpoolFailure == .refuse else { return child.eventLoop.makeSucceededVoidFuture() }
                let message = (error as? TetherError)?.message ?? "\(error)"
                return child.eventLoop.makeFailedFuture(TetherError(.unavailable, "this node refuses port forwarding while it cannot write its audit log (\(message))"))
            }
            .flatMap {
                ClientBootstrap(group: child.eventLoop)
                    .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                    .connect(host: target.targetHost, port: target.targetPort)
            }
            .flatMap { outbound in
                child.setOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                    .flatMapThrowing { try child.pipeline.syncOperations.addHandler(ChannelDataUnwrapper()) }
                    .flatMap { SpliceHandler.splice(child, outbound) }
                    .flatMapErrorThrowing { error in
                        outbound.close(promise: nil)
                        throw error
                    }
            }
    }
}

/// SSH channel data ⇄ plain bytes, so a channel can be spliced to a socket.
final class ChannelDataUnwrapper: ChannelDuplexHandler {
    typealias InboundIn = SSHChannelData
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = SSHChannelData

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        guard case .channel = message.type, case .byteBuffer(let bytes) = message.data else { return }
        context.fireChannelRead(wrapInboundOut(bytes))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(wrapOutboundOut(SSHChannelData(type: .channel, data: .byteBuffer(unwrapOutboundIn(data)))), promise: promise)
    }
}
