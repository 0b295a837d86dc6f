import Foundation
import Glibc
import NIOCore
import NIOPosix
import NIOSSH
import TetherCore
import TetherStorage

/// One SSH `session` channel: hands each request, each piece of input and
/// each event of the process to `SessionStateMachine`, and performs the
/// actions it returns: replies, starting the process as the login's
/// account (its descriptors become NIO pipe channels on this event loop, so
/// nothing blocks it), moving bytes, recording, auditing, signals and the
/// exit status. Outcomes of what it performed (the process started, a
/// write to the spool failed) go back to the state machine as events.
final class SessionChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = SSHChannelData
    typealias OutboundIn = SSHChannelData
    typealias OutboundOut = SSHChannelData

    private var machine: SessionStateMachine
    private let admission: Admission
    private var subject: AuditSubject
    private let services: SessionServices
    private var context: ChannelHandlerContext?
    /// The process, from its start until the handler goes.
    private var spawned: SpawnedProcess?
    private var pipes: [Channel] = []
    /// Where the client's bytes go (stdin pipe or PTY), once attached.
    private var processInput: Channel?
    private var recorder: SessionRecorder?
    private var recordingFlush: RepeatedTask?

    init(admission: Admission, subject: AuditSubject, services: SessionServices) {
        self.admission = admission
        self.subject = subject
        self.services = services
        machine = SessionStateMachine(permitPTY: admission.permitPTY, inputBufferLimit: services.inputBufferLimit)
    }

    private var auditor: NodeAuditor { services.auditor }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // The client's EOF ends the process's stdin, not the channel.
        try? context.channel.syncOptions?.setOption(ChannelOptions.allowRemoteHalfClosure, value: true)
    }

    // MARK: Events from the client

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        guard case .channel = message.type, case .byteBuffer(let bytes) = message.data else { return }
        perform(machine.clientSent(bytes))
    }

    func read(context: ChannelHandlerContext) {
        perform(machine.readRequested())
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let request as SSHChannelRequestEvent.PseudoTerminalRequest:
            let size = WindowSize(columns: request.terminalCharacterWidth, rows: request.terminalRowHeight)
            perform(machine.terminalRequested(SessionLaunch.Terminal(term: request.term, size: size), wantReply: request.wantReply))
        case let request as SSHChannelRequestEvent.EnvironmentRequest:
            perform(machine.environmentRequested(name: request.name, value: request.value, wantReply: request.wantReply))
        case let request as SSHChannelRequestEvent.ShellRequest:
            perform(machine.programRequested(.shell, wantReply: request.wantReply))
        case let request as SSHChannelRequestEvent.ExecRequest:
            perform(machine.programRequested(.exec(request.command), wantReply: request.wantReply))
        case let request as SSHChannelRequestEvent.SubsystemRequest:
            perform(machine.subsystemRequested(request.subsystem, wantReply: request.wantReply))
        case let request as SSHChannelRequestEvent.WindowChangeRequest:
            perform(machine.windowChanged(WindowSize(columns: request.terminalCharacterWidth, rows: request.terminalRowHeight)))
        case let request as SSHChannelRequestEvent.SignalRequest:
            perform(machine.signalRequested(request.signal))
        case let event as ChannelEvent where event == .inputClosed:
            perform(machine.clientEndedInput())
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        perform(machine.clientWritabilityChanged(isWritable: context.channel.isWritable))
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        perform(machine.clientClosed())
        context.fireChannelInactive()
    }

    // MARK: Events from the process (ProcessOutputReader, ProcessReaper)

    func processWrote(_ bytes: ByteBuffer, on output: ProcessOutput) {
        perform(machine.processWrote(bytes, on: output))
        if let context { perform(machine.clientWritabilityChanged(isWritable: context.channel.isWritable)) }
    }

    func processOutputEnded(_ output: ProcessOutput) {
        perform(machine.processOutputEnded(output))
    }

    /// The process's input pipe can take more (or is full again).
    func processInputWritabilityChanged() {
        perform(machine.processInputWritabilityChanged(isWritable: processInput?.isWritable ?? true))
    }

    func processExited(_ exit: ProcessExit) {
        perform(machine.processExited(exit))
    }

    private func drainGraceElapsed() {
        perform(machine.drainGraceElapsed())
    }

    // MARK: Events from the node

    /// A lock now matches this session's user or node (see `SessionStateMachine.lockEnded`).
    func end(byLock name: String, sentence: String) {
        perform(machine.lockEnded(name, sentence: sentence))
    }

    // MARK: Actions

    private func perform(_ actions: [SessionStateMachine.Action]) {
        actions.forEach(perform)
    }

    private func perform(_ action: SessionStateMachine.Action) {
        guard let context else { return }
        switch action {
        case .reply(let success):
            context.triggerUserOutboundEvent(success ? ChannelSuccessEvent() : ChannelFailureEvent(), promise: nil)
        case .start(let start):
            self.start(start, on: context.eventLoop)
        case .tellClient(let sentence):
            var message = context.channel.allocator.buffer(capacity: sentence.utf8.count)
            message.writeString(sentence)
            context.writeAndFlush(wrapOutboundOut(SSHChannelData(type: .stdErr, data: .byteBuffer(message))), promise: nil)
        case .writeToClient(let bytes, let output):
            let type: SSHChannelData.DataType = output == .standardError ? .stdErr : .channel
            context.writeAndFlush(wrapOutboundOut(SSHChannelData(type: type, data: .byteBuffer(bytes))), promise: nil)
        case .input(.writeToProcess(let bytes)):
            processInput?.writeAndFlush(bytes, promise: nil)
        case .input(.endProcessInput):
            processInput?.close(mode: .output, promise: nil)
        case .input(.readFromClient):
            context.read()
        case .attachProcess:
            if let spawned { attach(spawned, on: context.eventLoop) }
        case .readProcessOutput(let on):
            for pipe in pipes { pipe.setOption(ChannelOptions.autoRead, value: on).whenFailure { _ in } }
        case .closeProcessOutputs:
            pipes.forEach { $0.close(promise: nil) }
        case .signal(let signal, let group):
            spawned?.handle.signal(signal, group: group)
        case .resizeTerminal(let size):
            if let terminal = spawned?.terminal { try? ProcessSpawner.resize(terminal: terminal, to: size) }
        case .startRecording(let term, let size):
            let session = NIOLoopBound(self, eventLoop: context.eventLoop)
            recorder = auditor.recorder(for: subject) { [loop = context.eventLoop] error in
                loop.execute { session.value.spoolFailed(error) }
            }
            record(.start(login: admission.login, node: auditor.nodeName, term: term, size: size))
            flushRecordingPeriodically(on: context.eventLoop)
        case .record(let frame):
            record(frame)
        case .stopRecordingFlush:
            recordingFlush?.cancel()
        case .audit(let note):
            auditor.emit(note.type, subject, fields: note.fields)
        case .sftpAuditStopped(let reason):
            auditor.logger.warning("stopped auditing an sftp session's requests", metadata: ["session_id": "\(subject.sessionID ?? "")", "reason": "\(reason)"])
            auditor.emit(NodeAuditor.EventType.sftp, subject, fields: ["operation": "audit_stopped", "reason": .string(reason)])
        case .scheduleDrainGrace:
            let session = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: services.terminalDrainGrace) { session.value.drainGraceElapsed() }
        case .endSession(let fields):
            auditor.endSession(subject, fields: fields)
        case .sendExit(.exited(let code)):
            context.triggerUserOutboundEvent(SSHChannelRequestEvent.ExitStatus(exitStatus: Int(code)), promise: nil)
        case .sendExit(.signaled(let signal)):
            let exit = SSHChannelRequestEvent.ExitSignal(signalName: SignalNames.name(signal), errorMessage: "", language: "", dumpedCore: false)
            context.triggerUserOutboundEvent(exit, promise: nil)
        case .closeChannel:
            context.close(promise: nil)
        }
    }

    // MARK: Starting

    /// What opening a session off the event loop came to.
    private enum StartOutcome {
        case refused(String)
        case spawnFailed(String)
        case started(SpawnedProcess)
    }

    /// Opens the session in the audit, then spawns its process, on the
    /// shared thread pool (both wait for the disk); the outcome goes to the
    /// state machine back on the event loop.
    private func start(_ start: SessionStateMachine.Start, on loop: EventLoop) {
        let sessionID = UUID().uuidString.lowercased()
        subject.sessionID = sessionID
        let opening = start.openingAudit.map { auditor.event($0.type, subject, fields: $0.fields) }
        let session = NIOLoopBound(self, eventLoop: loop)
        NIOThreadPool.singleton.runIfActive(eventLoop: loop) { [admission, auditor] in
            Self.open(start, sessionID: sessionID, opening: opening, admission: admission, auditor: auditor)
        }.whenComplete { result in
            switch result {
            case .success(let outcome):
                session.value.startFinished(outcome, wantReply: start.wantReply)
            case .failure:
                session.value.startFinished(.refused("this node is shutting down and starts no new sessions."), wantReply: start.wantReply)
            }
        }
    }

    private func startFinished(_ outcome: StartOutcome, wantReply: Bool) {
        switch outcome {
        case .refused(let sentence):
            perform(machine.startRefused(sentence, wantReply: wantReply))
        case .spawnFailed(let sentence):
            perform(machine.spawnFailed(sentence, wantReply: wantReply))
        case .started(let process):
            spawned = process
            perform(machine.started(wantReply: wantReply))
        }
    }

    /// Blocking: notes the session open, writes its opening audit (with
    /// `on_spool_failure: refuse`, nothing runs that the audit does not
    /// show), then spawns the process.
    private static func open(
        _ start: SessionStateMachine.Start, sessionID: String, opening: [AuditEvent], admission: Admission, auditor: NodeAuditor
    ) -> StartOutcome {
        let launch: SessionLaunch
        do {
            launch = try self.launch(start, sessionID: sessionID, admission: admission)
            try openInAudit(sessionID, auditor: auditor)
        } catch {
            return .refused(error.message)
        }
        do {
            try auditor.record(opening)
        } catch where auditor.onSpoolFailure == .refuse {
            auditor.sessionClosed(sessionID)
            return .refused(unaudited(error).message)
        } catch {
            // Logged and counted by the auditor; `continue` serves the session unaudited.
        }
        do {
            return .started(try ProcessSpawner.spawn(launch.request))
        } catch {
            return .spawnFailed(error.message)
        }
    }

    private static func launch(_ start: SessionStateMachine.Start, sessionID: String, admission: Admission) throws(TetherError) -> SessionLaunch {
        let command: String?
        switch start.program {
        case .shell: command = nil
        case .exec(let text): command = text
        case .sftp: command = try SFTPServer.locate()
        }
        return SessionLaunch(
            account: admission.account, clientEnvironment: start.environment, terminal: start.terminal,
            command: command, sessionID: sessionID
        )
    }

    /// Notes the session as open in the spool (so a crash cannot leave it
    /// open forever); a spool that cannot take it refuses the session
    /// unless the node is configured to `continue`.
    private static func openInAudit(_ sessionID: String, auditor: NodeAuditor) throws(TetherError) {
        do {
            try auditor.sessionOpening(sessionID)
        } catch where auditor.onSpoolFailure == .refuse {
            throw unaudited(error)
        } catch {
            // `continue`: logged by the auditor; the session runs unaudited.
        }
    }

    private static func unaudited(_ error: TetherError) -> TetherError {
        TetherError(.unavailable, "this node refuses new sessions while it cannot write its audit log (\(error.message.trimmingCharacters(in: CharacterSet(charactersIn: ".")))); free the disk or repair the spool on the node, or set node.audit.on_spool_failure: continue.")
    }

    private func attach(_ process: SpawnedProcess, on loop: EventLoop) {
        let session = NIOLoopBound(self, eventLoop: loop)
        func bootstrap(_ output: ProcessOutput) -> NIOPipeBootstrap {
            NIOPipeBootstrap(group: loop)
                .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ProcessOutputReader(session: session, output: output))
                    }
                }
        }
        if let terminal = process.terminal {
            bootstrap(.terminal).takingOwnershipOfDescriptor(inputOutput: terminal).whenComplete { result in
                session.value.attached(result, output: .terminal, carriesInput: true, descriptors: [terminal])
            }
        } else if let input = process.standardInput, let output = process.standardOutput, let error = process.standardError {
            bootstrap(.standardOutput).takingOwnershipOfDescriptors(input: output, output: input).whenComplete { result in
                session.value.attached(result, output: .standardOutput, carriesInput: true, descriptors: [output, input])
            }
            bootstrap(.standardError).takingOwnershipOfDescriptor(input: error).whenComplete { result in
                session.value.attached(result, output: .standardError, carriesInput: false, descriptors: [error])
            }
        }
        ProcessReaper.shared.watch(process.handle, on: loop) { exit in session.value.processExited(exit) }
    }

    private func attached(_ result: Result<Channel, Error>, output: ProcessOutput, carriesInput: Bool, descriptors: [Int32]) {
        switch result {
        case .success(let pipe):
            pipes.append(pipe)
            if carriesInput { processInput = pipe }
            perform(machine.processOutputAttached(carriesInput: carriesInput, isWritable: pipe.isWritable))
        case .failure(let error):
            // NIO did not take the descriptors: close them; the state machine stops the process.
            descriptors.forEach { _ = Glibc.close($0) }
            auditor.logger.error("cannot attach to a session process", metadata: ["error": "\(error)"])
            perform(machine.processOutputAttachFailed(output))
        }
    }

    // MARK: Recording and audit

    /// Adds a frame to the recording; its chunks go through the auditor's
    /// sink, whose failures come back as `spoolFailed`.
    private func record(_ frame: RecordingFrame.Kind) {
        guard let recorder else { return }
        do {
            try recorder.record(frame)
        } catch {
            spoolFailed(error)
        }
    }

    /// The spool did not take this session's recording (see `SessionStateMachine.spoolFailed`).
    private func spoolFailed(_ error: TetherError) {
        perform(machine.spoolFailed(error.message, refuse: auditor.onSpoolFailure == .refuse))
    }

    /// Hands what the recorder holds to the sink every
    /// `recordingFlushInterval`, so a crash loses at most that much of the recording.
    private func flushRecordingPeriodically(on loop: EventLoop) {
        let session = NIOLoopBound(self, eventLoop: loop)
        let interval = services.recordingFlushInterval
        recordingFlush = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            session.value.flushRecording()
        }
    }

    private func flushRecording() {
        guard !machine.isFinished, let recorder else { return }
        do {
            try recorder.flush()
        } catch {
            spoolFailed(error)
        }
    }
}
