import Foundation
import Glibc
import NIOCore
import NIOPosix
import NIOSSH
import TetherCore
import TetherStorage

/// One SSH `session` channel: collects pty-req and env, runs the shell,
/// command or sftp server as the login's account, pipes its I/O through the
/// channel (the process's descriptors are NIO pipe channels on this event
/// loop, so nothing blocks it), records and audits it, and ends with the
/// exit status. The client's input is held only up to
/// `SessionServices.inputBufferLimit` (before the process runs, or while it
/// does not read): past that the handler stops reading the channel, so the
/// client's SSH window fills and it waits.
final class SessionChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = SSHChannelData
    typealias OutboundIn = SSHChannelData
    typealias OutboundOut = SSHChannelData

    private enum Program: Equatable {
        case shell
        case exec(String)
        /// The `sftp` subsystem: the system's sftp-server, run like a command.
        case sftp
    }

    private struct Running {
        var pid: pid_t
        var terminal: Int32?
        /// Where the client's bytes go (stdin pipe or PTY), once attached.
        var input: Channel?
        var pipes: [Channel] = []
        var pendingInput: [ByteBuffer] = []
        var pendingEndOfInput = false
    }

    private let admission: Admission
    private var subject: AuditSubject
    private let services: SessionServices
    private var context: ChannelHandlerContext?
    private var environment: [String: String] = [:]
    private var terminal: SessionLaunch.Terminal?
    private var running: Running?
    /// What the client sent before the process started (typed-ahead keys,
    /// piped input), handed to the process once it runs.
    private var earlyInput: [ByteBuffer] = []
    private var earlyEndOfInput = false
    private var recorder: SessionRecorder?
    /// "sftp" for a subsystem session, in its start and end events.
    private var subsystem: String?
    /// Reads an sftp session's requests for the audit, until it meets something it cannot read.
    private var sftpRequests: SFTPRequestParser?
    private var exit: ProcessExit?
    private var openOutputs: Set<ProcessOutput> = []
    private var finished = false
    private var clientGone = false
    /// The lock that ended the session, for its `session.end`.
    private var endingLock: String?
    /// Reads of the channel held back while its input waits (see `updateInputFlow`).
    private var inputPaused = false
    private var heldRead = false
    private var recordingFlush: RepeatedTask?

    init(admission: Admission, subject: AuditSubject, services: SessionServices) {
        self.admission = admission
        self.subject = subject
        self.services = services
    }

    private var auditor: NodeAuditor { services.auditor }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // The client's EOF ends the process's stdin, not the channel.
        try? context.channel.syncOptions?.setOption(ChannelOptions.allowRemoteHalfClosure, value: true)
    }

    // MARK: From the client

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        guard case .channel = message.type, case .byteBuffer(let bytes) = message.data else { return }
        auditSFTP(bytes)
        if running == nil {
            earlyInput.append(bytes)
        } else if let input = running?.input {
            input.writeAndFlush(bytes, promise: nil)
        } else {
            running?.pendingInput.append(bytes)
        }
        updateInputFlow()
    }

    func read(context: ChannelHandlerContext) {
        guard !inputPaused else {
            heldRead = true
            return
        }
        context.read()
    }

    /// Holds the channel's reads while more than `inputBufferLimit` bytes
    /// wait for the process, or its input pipe is full; resumes them after.
    private func updateInputFlow() {
        let waiting = (running?.pendingInput ?? earlyInput).reduce(0) { $0 + $1.readableBytes }
        let pipeFull = running?.input.map { !$0.isWritable } ?? false
        inputPaused = waiting >= services.inputBufferLimit || pipeFull
        guard !inputPaused, heldRead, let context else { return }
        heldRead = false
        context.read()
    }

    /// The process's input pipe can take more (or is full again).
    func processInputWritabilityChanged() {
        updateInputFlow()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let request as SSHChannelRequestEvent.PseudoTerminalRequest:
            guard admission.permitPTY, running == nil else { return reply(false, request.wantReply) }
            terminal = SessionLaunch.Terminal(
                term: request.term,
                size: WindowSize(columns: request.terminalCharacterWidth, rows: request.terminalRowHeight)
            )
            reply(true, request.wantReply)
        case let request as SSHChannelRequestEvent.EnvironmentRequest:
            let accepted = SessionLaunch.acceptsEnvironment(request.name) && running == nil
            if accepted { environment[request.name] = request.value }
            reply(accepted, request.wantReply)
        case let request as SSHChannelRequestEvent.ShellRequest:
            start(.shell, wantReply: request.wantReply)
        case let request as SSHChannelRequestEvent.ExecRequest:
            start(.exec(request.command), wantReply: request.wantReply)
        case let request as SSHChannelRequestEvent.SubsystemRequest:
            // Like sshd's default configuration: sftp, and no other subsystem.
            guard request.subsystem == "sftp" else { return reply(false, request.wantReply) }
            start(.sftp, wantReply: request.wantReply)
        case let request as SSHChannelRequestEvent.WindowChangeRequest:
            resize(WindowSize(columns: request.terminalCharacterWidth, rows: request.terminalRowHeight))
        case let request as SSHChannelRequestEvent.SignalRequest:
            if let pid = running?.pid, exit == nil, let number = SignalNames.number(request.signal) { kill(pid, number) }
        case let event as ChannelEvent where event == .inputClosed:
            endInput()
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { setReading(true) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        clientGone = true
        recordingFlush?.cancel()
        if let running, exit == nil {
            // Like a hung-up terminal: the whole PTY session, or the command.
            kill(running.terminal != nil ? -running.pid : running.pid, SIGHUP)
        }
        running?.pipes.forEach { $0.close(promise: nil) }
        context.fireChannelInactive()
    }

    private func reply(_ success: Bool, _ wantReply: Bool) {
        guard wantReply, let context else { return }
        context.triggerUserOutboundEvent(success ? ChannelSuccessEvent() : ChannelFailureEvent(), promise: nil)
    }

    private func endInput() {
        // A terminal has no end of input of its own; the shell exits on its own terms.
        guard terminal == nil else { return }
        guard running != nil else {
            earlyEndOfInput = true
            return
        }
        if let input = running?.input {
            input.close(mode: .output, promise: nil)
        } else {
            running?.pendingEndOfInput = true
        }
    }

    private func resize(_ size: WindowSize) {
        guard let fd = running?.terminal, !finished else { return }
        try? ProcessSpawner.resize(terminal: fd, to: size)
        terminal?.size = size
        record(.resize(TerminalSize(columns: UInt32(size.columns), rows: UInt32(size.rows))))
    }

    // MARK: Audit failures

    /// Adds a frame to the recording; a failure is the spool's (see `spoolFailed`).
    private func record(_ frame: RecordingFrame.Kind) {
        guard let recorder else { return }
        do {
            try recorder.record(frame)
        } catch {
            spoolFailed(error)
        }
    }

    /// The spool refused this session's events (already logged and counted
    /// by the auditor). With `on_spool_failure: refuse`, a session that can
    /// no longer be audited ends, and the user is told why.
    private func spoolFailed(_ error: TetherError) {
        guard auditor.onSpoolFailure == .refuse, let running, exit == nil else { return }
        if let context, !clientGone {
            var message = context.channel.allocator.buffer(capacity: 160)
            message.writeString("tether: this node can no longer write its audit log, so the session is ended: \(error.message)\r\n")
            context.writeAndFlush(wrapOutboundOut(SSHChannelData(type: .stdErr, data: .byteBuffer(message))), promise: nil)
        }
        kill(running.terminal != nil ? -running.pid : running.pid, SIGKILL)
    }

    // MARK: Starting

    private func start(_ program: Program, wantReply: Bool) {
        guard let context, running == nil, !finished else { return reply(false, wantReply) }
        let sessionID = UUID().uuidString.lowercased()
        subject.sessionID = sessionID
        let launch: SessionLaunch
        do {
            launch = try self.launch(program)
            try openInAudit(sessionID)
        } catch {
            return refuse(error, wantReply: wantReply)
        }
        if program == .sftp { subsystem = "sftp" }
        // Audited before the process starts: with `on_spool_failure: refuse`
        // nothing runs that the audit does not show.
        var opening = [auditor.event(NodeAuditor.EventType.sessionStart, subject, fields: kindFields(interactive: program == .shell))]
        switch program {
        case .exec(let command):
            opening.append(auditor.event(NodeAuditor.EventType.exec, subject, fields: ["command": .string(command)]))
            if let scp = SCPCommand(command) { opening.append(auditor.event(NodeAuditor.EventType.scp, subject, fields: scp.auditFields)) }
        case .sftp:
            sftpRequests = SFTPRequestParser()
        case .shell:
            break
        }
        do {
            try auditor.record(opening)
        } catch where auditor.onSpoolFailure == .refuse {
            auditor.sessionClosed(sessionID)
            return refuse(unaudited(error), wantReply: wantReply)
        } catch {
            // Logged and counted by the auditor; `continue` serves the session unaudited.
        }
        let process: SpawnedProcess
        do {
            process = try ProcessSpawner.spawn(launch.request)
        } catch {
            var fields = kindFields(interactive: program == .shell)
            fields["reason"] = .string("the process could not start: \(error.message)")
            auditor.emit(NodeAuditor.EventType.sessionEnd, subject, fields: fields)
            auditor.sessionClosed(sessionID)
            return refuse(error, wantReply: wantReply)
        }
        if program == .sftp { earlyInput.forEach(auditSFTP) }
        running = Running(pid: process.pid, terminal: process.terminal, pendingInput: earlyInput, pendingEndOfInput: earlyEndOfInput)
        earlyInput = []
        // An sftp session is not recorded: its stream is the files
        // themselves in binary packets, which no terminal replays and which
        // would store every transferred byte again in the audit log; its
        // `sftp` events name what was done instead.
        if program != .sftp {
            recorder = auditor.recorder(for: subject)
            record(.start(login: admission.login, node: auditor.nodeName, term: terminal?.term ?? "", size: launch.recordingSize))
            flushRecordingPeriodically(on: context.eventLoop)
        }
        attachPipes(of: process, on: context.eventLoop)
        let session = NIOLoopBound(self, eventLoop: context.eventLoop)
        ProcessReaper.watch(process.pid, on: context.eventLoop) { exit in session.value.processExited(exit) }
        reply(true, wantReply)
    }

    /// Notes the session as open in the spool (so a crash cannot leave it
    /// open forever); a spool that cannot take it refuses the session
    /// unless the node is configured to `continue`.
    private func openInAudit(_ sessionID: String) throws(TetherError) {
        do {
            try auditor.sessionOpening(sessionID)
        } catch where auditor.onSpoolFailure == .refuse {
            throw unaudited(error)
        } catch {
            // `continue`: logged by the auditor; the session runs unaudited.
        }
    }

    private func unaudited(_ error: TetherError) -> TetherError {
        TetherError(.unavailable, "this node refuses new sessions while it cannot write its audit log (\(error.message.trimmingCharacters(in: CharacterSet(charactersIn: ".")))); free the disk or repair the spool on the node, or set node.audit.on_spool_failure: continue.")
    }

    private func refuse(_ error: TetherError, wantReply: Bool) {
        guard let context else { return }
        var message = context.channel.allocator.buffer(capacity: 128)
        message.writeString("tether: \(error.message)\r\n")
        context.writeAndFlush(wrapOutboundOut(SSHChannelData(type: .stdErr, data: .byteBuffer(message))), promise: nil)
        reply(false, wantReply)
    }

    /// Writes what the recorder holds every `recordingFlushInterval`, so a
    /// crash loses at most that much of the recording.
    private func flushRecordingPeriodically(on loop: EventLoop) {
        let session = NIOLoopBound(self, eventLoop: loop)
        let interval = services.recordingFlushInterval
        recordingFlush = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            session.value.flushRecording()
        }
    }

    private func flushRecording() {
        guard !finished, let recorder else { return }
        do {
            try recorder.flush()
        } catch {
            spoolFailed(error)
        }
    }

    private func launch(_ program: Program) throws(TetherError) -> SessionLaunch {
        let command: String?
        switch program {
        case .shell: command = nil
        case .exec(let text): command = text
        case .sftp:
            command = try SFTPServer.locate()
            // Binary packets through a terminal would be mangled.
            terminal = nil
        }
        return SessionLaunch(
            account: admission.account, clientEnvironment: environment, terminal: terminal,
            command: command, sessionID: subject.sessionID ?? ""
        )
    }

    /// What `session.start` and `session.end` say about the kind of session.
    private func kindFields(interactive: Bool) -> [String: JSONValue] {
        var fields: [String: JSONValue] = ["interactive": .bool(interactive)]
        fields["subsystem"] = subsystem.map(JSONValue.string)
        return fields
    }

    /// Names the files an sftp session touches, from the client's requests.
    private func auditSFTP(_ bytes: ByteBuffer) {
        guard sftpRequests != nil else { return }
        for request in sftpRequests?.feed(bytes.readableBytesView) ?? [] {
            auditor.emit(NodeAuditor.EventType.sftp, subject, fields: request.auditFields)
        }
        if let reason = sftpRequests?.failure {
            sftpRequests = nil
            auditor.logger.warning("stopped auditing an sftp session's requests", metadata: ["session_id": "\(subject.sessionID ?? "")", "reason": "\(reason)"])
            auditor.emit(NodeAuditor.EventType.sftp, subject, fields: ["operation": "audit_stopped", "reason": .string(reason)])
        }
    }

    private func attachPipes(of process: SpawnedProcess, on loop: EventLoop) {
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
            openOutputs = [.terminal]
            bootstrap(.terminal).takingOwnershipOfDescriptor(inputOutput: terminal).whenComplete { result in
                session.value.attached(result, output: .terminal, carriesInput: true, descriptors: [terminal])
            }
        } else if let input = process.standardInput, let output = process.standardOutput, let error = process.standardError {
            openOutputs = [.standardOutput, .standardError]
            bootstrap(.standardOutput).takingOwnershipOfDescriptors(input: output, output: input).whenComplete { result in
                session.value.attached(result, output: .standardOutput, carriesInput: true, descriptors: [output, input])
            }
            bootstrap(.standardError).takingOwnershipOfDescriptor(input: error).whenComplete { result in
                session.value.attached(result, output: .standardError, carriesInput: false, descriptors: [error])
            }
        }
    }

    private func attached(_ result: Result<Channel, Error>, output: ProcessOutput, carriesInput: Bool, descriptors: [Int32]) {
        switch result {
        case .success(let pipe):
            running?.pipes.append(pipe)
            guard !clientGone, !finished else {
                pipe.close(promise: nil)
                return
            }
            guard carriesInput, var state = running else { return }
            state.input = pipe
            for bytes in state.pendingInput { pipe.write(bytes, promise: nil) }
            pipe.flush()
            if state.pendingEndOfInput { pipe.close(mode: .output, promise: nil) }
            state.pendingInput = []
            running = state
            updateInputFlow()
        case .failure(let error):
            // NIO did not take the descriptors: close them, and stop a process we cannot serve.
            descriptors.forEach { _ = Glibc.close($0) }
            if let pid = running?.pid { kill(pid, SIGKILL) }
            auditor.logger.error("cannot attach to a session process", metadata: ["error": "\(error)"])
            processOutputEnded(output)
        }
    }

    // MARK: From the process

    func processWrote(_ bytes: ByteBuffer, on output: ProcessOutput) {
        guard let context, !clientGone else { return }
        record(.output(Array(bytes.readableBytesView)))
        let type: SSHChannelData.DataType = output == .standardError ? .stdErr : .channel
        context.writeAndFlush(wrapOutboundOut(SSHChannelData(type: type, data: .byteBuffer(bytes))), promise: nil)
        // Backpressure: stop reading the process while the client's window is full.
        if !context.channel.isWritable { setReading(false) }
    }

    func processOutputEnded(_ output: ProcessOutput) {
        openOutputs.remove(output)
        finishIfDone()
    }

    func processExited(_ exit: ProcessExit) {
        self.exit = exit
        if terminal != nil, !openOutputs.isEmpty, let context {
            // Whatever is still in the PTY arrives within the grace period.
            let session = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: services.terminalDrainGrace) {
                session.value.openOutputs.removeAll()
                session.value.finishIfDone()
            }
        }
        finishIfDone()
    }

    private func setReading(_ on: Bool) {
        for pipe in running?.pipes ?? [] {
            pipe.setOption(ChannelOptions.autoRead, value: on).whenFailure { _ in }
        }
    }

    /// Ends the session once the process exited and its output is drained:
    /// audit, recording, exit status, close (no EOF: the client may have
    /// sent its own already, and close implies it).
    private func finishIfDone() {
        guard !finished, let exit, openOutputs.isEmpty else { return }
        finished = true
        recordingFlush?.cancel()
        running?.pipes.forEach { $0.close(promise: nil) }
        var fields = kindFields(interactive: terminal != nil)
        let status: Int32?
        switch exit {
        case .exited(let code):
            status = code
            fields["exit_status"] = .number(Int64(code))
        case .signaled(let signal):
            status = nil
            fields["signal"] = .string(SignalNames.name(signal))
        }
        if let endingLock {
            fields["reason"] = .string(SessionEndReason.locked)
            fields["lock"] = .string(endingLock)
        }
        record(.end(exitStatus: status))
        if let sessionID = subject.sessionID {
            do {
                try auditor.record([auditor.event(NodeAuditor.EventType.sessionEnd, subject, fields: fields)])
                auditor.sessionClosed(sessionID)
            } catch {
                // Logged and counted; the open-session note stays, so the
                // next start writes this session.end (`node restarted`).
            }
        }
        guard let context, !clientGone else { return }
        switch exit {
        case .exited(let code):
            context.triggerUserOutboundEvent(SSHChannelRequestEvent.ExitStatus(exitStatus: Int(code)), promise: nil)
        case .signaled(let signal):
            context.triggerUserOutboundEvent(
                SSHChannelRequestEvent.ExitSignal(signalName: SignalNames.name(signal), errorMessage: "", language: "", dumpedCore: false),
                promise: nil
            )
        }
        context.close(promise: nil)
    }

    // MARK: Locks

    /// A lock now matches this session's user or node: tells the user why on
    /// their stderr, then kills the session's process group (a lock is no
    /// request to finish up; every session runs in a group of its own), so
    /// the session ends as usual, its `session.end` saying `reason: locked`.
    /// A session whose process never started just closes.
    func end(byLock name: String, sentence: String) {
        guard let context, !finished, endingLock == nil else { return }
        endingLock = name
        var message = context.channel.allocator.buffer(capacity: sentence.utf8.count + 16)
        message.writeString("\r\ntether: \(sentence)\r\n")
        context.writeAndFlush(wrapOutboundOut(SSHChannelData(type: .stdErr, data: .byteBuffer(message))), promise: nil)
        guard let running else { return context.close(promise: nil) }
        if exit == nil { kill(-running.pid, SIGKILL) }
    }
}
