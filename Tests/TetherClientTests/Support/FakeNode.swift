import NIOConcurrencyHelpers
import NIOCore
import NIOSSH

/// An SSH server standing in for a node: admits any public key (recording
/// who asked), and runs a few canned "commands" that exercise the client:
/// `exit N`, `both` (stdout and stderr), `cat` (echo until EOF), `kill`
/// (ends by SIGKILL), `forbidden` (refuses the exec request).
final class FakeNode: Sendable {
    let hostKey = TestHostKey()
    /// (login, public key line) of each accepted userauth.
    let logins = NIOLockedValueBox<[(login: String, key: String)]>([])
    /// `TERM` of each PTY request.
    let terminals = NIOLockedValueBox<[String]>([])

    func sshHandler(allocator: ByteBufferAllocator) -> NIOSSHHandler {
        let terminals = self.terminals
        return NIOSSHHandler(
            role: .server(SSHServerConfiguration(hostKeys: [hostKey.nioKey], userAuthDelegate: RecordingUserAuth(logins: logins))),
            allocator: allocator,
            inboundChildChannelInitializer: { child, _ in
                child.setOption(ChannelOptions.allowRemoteHalfClosure, value: true).flatMapThrowing {
                    try child.pipeline.syncOperations.addHandler(FakeSessionHandler(terminals: terminals))
                }
            }
        )
    }
}

final class RecordingUserAuth: NIOSSHServerUserAuthenticationDelegate {
    let logins: NIOLockedValueBox<[(login: String, key: String)]>

    init(logins: NIOLockedValueBox<[(login: String, key: String)]>) { self.logins = logins }

    var supportedAuthenticationMethods: NIOSSHAvailableUserAuthenticationMethods { .publicKey }

    func requestReceived(request: NIOSSHUserAuthenticationRequest, responsePromise: EventLoopPromise<NIOSSHUserAuthenticationOutcome>) {
        guard case .publicKey(let offer) = request.request else {
            responsePromise.succeed(.failure)
            return
        }
        logins.withLockedValue { $0.append((request.username, String(openSSHPublicKey: offer.publicKey))) }
        responsePromise.succeed(.success)
    }
}

final class FakeSessionHandler: ChannelDuplexHandler {
    typealias InboundIn = SSHChannelData
    typealias OutboundIn = SSHChannelData
    typealias OutboundOut = SSHChannelData

    private let terminals: NIOLockedValueBox<[String]>
    private var echoing = false

    init(terminals: NIOLockedValueBox<[String]>) { self.terminals = terminals }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let request as SSHChannelRequestEvent.PseudoTerminalRequest:
            terminals.withLockedValue { $0.append(request.term) }
        case let request as SSHChannelRequestEvent.ExecRequest:
            run(request.command, wantReply: request.wantReply, context: context)
        case ChannelEvent.inputClosed where echoing:
            finish(0, context: context)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard echoing else { return }
        let message = unwrapInboundIn(data)
        context.writeAndFlush(wrapOutboundOut(SSHChannelData(type: .channel, data: message.data)), promise: nil)
    }

    private func run(_ command: String, wantReply: Bool, context: ChannelHandlerContext) {
        if command == "forbidden" {
            context.triggerUserOutboundEvent(ChannelFailureEvent(), promise: nil)
            return
        }
        if wantReply { context.triggerUserOutboundEvent(ChannelSuccessEvent(), promise: nil) }
        switch command.split(separator: " ").first {
        case "exit":
            finish(Int(command.split(separator: " ").last ?? "") ?? 1, context: context)
        case "both":
            send("to stdout\n", as: .channel, context: context)
            send("to stderr\n", as: .stdErr, context: context)
            finish(0, context: context)
        case "cat":
            echoing = true
        case "kill":
            context.triggerUserOutboundEvent(
                SSHChannelRequestEvent.ExitSignal(signalName: "KILL", errorMessage: "", language: "", dumpedCore: false), promise: nil
            )
            context.close(promise: nil)
        default:
            send("unknown command\n", as: .stdErr, context: context)
            finish(127, context: context)
        }
    }

    private func send(_ text: String, as type: SSHChannelData.DataType, context: ChannelHandlerContext) {
        let data = SSHChannelData(type: type, data: .byteBuffer(context.channel.allocator.buffer(string: text)))
        context.writeAndFlush(wrapOutboundOut(data), promise: nil)
    }

    private func finish(_ status: Int, context: ChannelHandlerContext) {
        context.triggerUserOutboundEvent(SSHChannelRequestEvent.ExitStatus(exitStatus: status), promise: nil)
        context.close(promise: nil)
    }
}
