import Foundation
import TetherTestSupport
import NIOConcurrencyHelpers
import NIOCore
import NIOSSH
import TetherCore
import TetherIdentity

/// A swift-nio-ssh client on a tunnel stream: offers one plain key (the one
/// the delivered certificate should certify) and pins the node's host key.
struct SSHTestConnection: Sendable {
    let stream: Channel

    static func install(on channel: Channel, login: String, key: SSHPrivateKey, expectedHostKey: SSHPublicKey) throws {
        let configuration = SSHClientConfiguration(
            userAuthDelegate: OneKeyUserAuth(login: login, key: key),
            serverAuthDelegate: PinnedHostKey(expected: expectedHostKey)
        )
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(NIOSSHHandler(role: .client(configuration), allocator: channel.allocator, inboundChildChannelInitializer: nil))
        try sync.addHandler(CloseOnError())
    }

    /// Opens a session channel once user auth succeeded; fails if it did not.
    func openSession() async throws -> TestSession {
        let transcript = Transcript()
        let stream = stream
        let channel = try await stream.eventLoop.flatSubmit { () -> EventLoopFuture<Channel> in
            let promise = stream.eventLoop.makePromise(of: Channel.self)
            do {
                let handler = try stream.pipeline.syncOperations.handler(type: NIOSSHHandler.self)
                handler.createChannel(promise, channelType: .session) { child, _ in
                    child.eventLoop.makeCompletedFuture {
                        try child.syncOptions?.setOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                        try child.pipeline.syncOperations.addHandler(SessionProbe(transcript: transcript))
                    }
                }
            } catch {
                promise.fail(error)
            }
            return promise.futureResult
        }.get()
        return TestSession(channel: channel, transcript: transcript)
    }

    /// `command` on a session without a terminal: stdout, stderr, exit status.
    func exec(_ command: String, input: String? = nil) async throws -> Transcript.Snapshot {
        let session = try await openSession()
        try await session.request(SSHChannelRequestEvent.ExecRequest(command: command, wantReply: true))
        if let input { try await session.write(input) }
        try await session.closeInput()
        return try await session.finished()
    }

    func close() async { try? await stream.close() }
}

/// One session channel as the client drives it.
struct TestSession: Sendable {
    let channel: Channel
    let transcript: Transcript

    func request(_ event: any Sendable) async throws {
        try await channel.triggerUserOutboundEvent(event)
    }

    func write(_ text: String) async throws {
        try await channel.writeAndFlush(SSHChannelData(type: .channel, data: .byteBuffer(ByteBuffer(string: text))))
    }

    /// Sends EOF, unless the server already closed the channel.
    func closeInput() async throws {
        do {
            try await channel.close(mode: .output)
        } catch ChannelError.alreadyClosed {
            return
        }
    }

    /// Waits (polling, with a deadline) until stdout holds `text`.
    func waitForOutput(containing text: String) async -> Bool {
        await eventually { transcript.snapshot.standardOutput.contains(text) }
    }

    /// Waits (polling, with a deadline) for the server to close the channel:
    /// a session the node never ends fails the test instead of hanging it.
    func finished() async throws -> Transcript.Snapshot {
        guard await eventually({ !channel.isActive }) else {
            throw SupportError("the node did not close the session channel within 60 s; output so far: \(transcript.snapshot.standardOutput.suffix(200))")
        }
        try await channel.closeFuture.get()
        return transcript.snapshot
    }
}

/// What the client saw on one session channel.
final class Transcript: Sendable {
    struct Snapshot: Sendable {
        var standardOutput = ""
        var standardError = ""
        var exitStatus: Int?
        var replies: [Bool] = []
    }

    private let state = NIOLockedValueBox(Snapshot())
    var snapshot: Snapshot { state.withLockedValue { $0 } }
    func update(_ body: (inout Snapshot) -> Void) { state.withLockedValue(body) }
}

private final class SessionProbe: ChannelInboundHandler {
    typealias InboundIn = SSHChannelData
    let transcript: Transcript
    init(transcript: Transcript) { self.transcript = transcript }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        guard case .byteBuffer(let bytes) = message.data else { return }
        let text = String(buffer: bytes)
        transcript.update { message.type == .stdErr ? $0.standardError.append(text) : $0.standardOutput.append(text) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let status as SSHChannelRequestEvent.ExitStatus: transcript.update { $0.exitStatus = status.exitStatus }
        case is ChannelSuccessEvent: transcript.update { $0.replies.append(true) }
        case is ChannelFailureEvent: transcript.update { $0.replies.append(false) }
        default: context.fireUserInboundEventTriggered(event)
        }
    }
}

private final class OneKeyUserAuth: NIOSSHClientUserAuthenticationDelegate {
    let login: String
    let key: NIOSSHPrivateKey
    var offered = false

    init(login: String, key: SSHPrivateKey) {
        self.login = login
        switch key {
        case .ed25519(let key): self.key = NIOSSHPrivateKey(ed25519Key: key)
        case .ecdsaP256(let key): self.key = NIOSSHPrivateKey(p256Key: key)
        }
    }

    func nextAuthenticationType(availableMethods: NIOSSHAvailableUserAuthenticationMethods, nextChallengePromise: EventLoopPromise<NIOSSHUserAuthenticationOffer?>) {
        // Giving up with nil would leave swift-nio-ssh waiting forever; an error ends the connection.
        guard !offered, availableMethods.contains(.publicKey) else {
            return nextChallengePromise.fail(TetherError(.accessDenied, "the node refused the key."))
        }
        offered = true
        nextChallengePromise.succeed(NIOSSHUserAuthenticationOffer(username: login, serviceName: "", offer: .privateKey(.init(privateKey: key))))
    }
}

private final class PinnedHostKey: NIOSSHClientServerAuthenticationDelegate {
    let expected: SSHPublicKey
    init(expected: SSHPublicKey) { self.expected = expected }

    func validateHostKey(hostKey: NIOSSHPublicKey, validationCompletePromise: EventLoopPromise<Void>) {
        if (try? SSHPublicKey(authorizedKeyLine: String(openSSHPublicKey: hostKey))) == expected {
            validationCompletePromise.succeed()
        } else {
            validationCompletePromise.fail(TetherError(.verificationFailed, "unexpected host key"))
        }
    }
}

private final class CloseOnError: ChannelInboundHandler {
    typealias InboundIn = Never
    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
}
