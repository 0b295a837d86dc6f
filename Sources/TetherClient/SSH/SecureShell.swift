import NIOConcurrencyHelpers
import NIOCore
import NIOSSH
import TetherCore

/// An SSH client session to a node, run on the byte stream the proxy
/// opened: host key pinned to the inventory's, the user's plain key for
/// userauth, one session channel for a command or a shell.
struct SecureShell {
    typealias SessionChannel = NIOAsyncChannel<SSHChannelData, SSHChannelData>

    let dialer: ProxyDialer
    let key: NIOSSHPrivateKey

    func run(_ target: ConnectTarget, hostKey: NIOSSHPublicKey, request: SessionRequest, io: SessionIO) async throws(TetherError) -> SessionExit {
        let failure = NIOLockedValueBox<TetherError?>(nil)
        let key = self.key
        let (connection, _) = try await dialer.dial(target) { channel in
            let ssh = NIOSSHHandler(
                role: .client(SSHClientConfiguration(
                    userAuthDelegate: PublicKeyLogin(login: target.login, key: key, node: target.node),
                    serverAuthDelegate: PinnedHostKey(expected: hostKey, node: target.node)
                )),
                allocator: channel.allocator,
                inboundChildChannelInitializer: nil
            )
            try channel.pipeline.syncOperations.addHandlers(ssh, ConnectionFailureRecorder(failure: failure, node: target.node))
        }
        defer { connection.close(promise: nil) }
        let outcome = NIOLockedValueBox(SessionOutcome())
        let refusal = TetherError(.accessDenied, "node \(target.node) refused to start the session; your role may not allow it (e.g. no PTY), ask an administrator.")
        do {
            let session = try await openSession(on: connection, outcome: outcome)
            try await start(request, on: session.channel)
            try await pump(session, io: io)
        } catch {
            // A refusal closes the channel, which can surface first as an I/O error.
            if outcome.withLockedValue({ $0.refused }) { throw refusal }
            throw failure.withLockedValue { $0 } ?? Self.describe(error, node: target.node)
        }
        let result = outcome.withLockedValue { $0 }
        if result.refused { throw refusal }
        guard let exit = result.exit else {
            throw failure.withLockedValue { $0 }
                ?? TetherError(.unavailable, "the session on node \(target.node) ended without reporting an exit status; the connection was lost.")
        }
        return exit
    }

    /// Waits for userauth to finish and opens a `session` channel.
    private func openSession(on connection: Channel, outcome: NIOLockedValueBox<SessionOutcome>) async throws -> SessionChannel {
        try await connection.eventLoop.flatSubmit { () -> EventLoopFuture<SessionChannel> in
            let opened = connection.eventLoop.makePromise(of: Channel.self)
            let wrapped = connection.eventLoop.makePromise(of: SessionChannel.self)
            opened.futureResult.whenFailure { wrapped.fail($0) }
            do {
                let ssh = try connection.pipeline.syncOperations.handler(type: NIOSSHHandler.self)
                ssh.createChannel(opened, channelType: .session) { child, _ in
                    child.setOption(ChannelOptions.allowRemoteHalfClosure, value: true).flatMapThrowing {
                        try child.pipeline.syncOperations.addHandler(SessionEventsHandler(outcome: outcome))
                        wrapped.succeed(try SessionChannel(
                            wrappingChannelSynchronously: child,
                            configuration: .init(isOutboundHalfClosureEnabled: true)
                        ))
                    }
                }
            } catch {
                opened.fail(error)
            }
            return wrapped.futureResult
        }.get()
    }

    private func start(_ request: SessionRequest, on channel: Channel) async throws {
        if let terminal = request.terminal {
            // Without reply: a node that refuses a PTY still runs the session, on pipes.
            try await channel.triggerUserOutboundEvent(SSHChannelRequestEvent.PseudoTerminalRequest(
                wantReply: false,
                term: terminal.term,
                terminalCharacterWidth: terminal.size.columns,
                terminalRowHeight: terminal.size.rows,
                terminalPixelWidth: terminal.size.pixelWidth,
                terminalPixelHeight: terminal.size.pixelHeight,
                terminalModes: SSHTerminalModes([:])
            )).get()
        }
        if let command = request.command {
            try await channel.triggerUserOutboundEvent(SSHChannelRequestEvent.ExecRequest(command: command, wantReply: true)).get()
        } else {
            try await channel.triggerUserOutboundEvent(SSHChannelRequestEvent.ShellRequest(wantReply: true)).get()
        }
    }

    /// Copies input to the node and its output back until the node closes
    /// the channel (after sending the exit status).
    private func pump(_ session: SessionChannel, io: SessionIO) async throws {
        let channel = session.channel
        try await session.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await chunk in io.input {
                        try await outbound.write(SSHChannelData(type: .channel, data: .byteBuffer(ByteBuffer(bytes: chunk))))
                    }
                    if !Task.isCancelled { outbound.finish() }
                }
                if let windowChanges = io.windowChanges {
                    group.addTask {
                        for await size in windowChanges {
                            try await channel.triggerUserOutboundEvent(SSHChannelRequestEvent.WindowChangeRequest(
                                terminalCharacterWidth: size.columns,
                                terminalRowHeight: size.rows,
                                terminalPixelWidth: size.pixelWidth,
                                terminalPixelHeight: size.pixelHeight
                            )).get()
                        }
                    }
                }
                for try await message in inbound {
                    guard case .byteBuffer(let buffer) = message.data else { continue }
                    switch message.type {
                    case .channel: try await io.output(Array(buffer.readableBytesView))
                    case .stdErr: try await io.errorOutput(Array(buffer.readableBytesView))
                    default: continue
                    }
                }
                group.cancelAll()
            }
            try await channel.closeFuture.get()
        }
    }

    private static func describe(_ error: any Error, node: String) -> TetherError {
        (error as? TetherError) ?? TetherError(.unavailable, "the SSH session with node \(node) failed: \(error).")
    }
}
