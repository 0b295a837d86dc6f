import Glibc
import NIOCore
import TetherAPI
import TetherStorage

/// The logic of one SSH `session` channel, without I/O (after
/// swift-nio-ssh's state machines): each event from the client, the
/// process or the node returns the actions that follow, and
/// `SessionChannelHandler` only performs them and reports their outcomes
/// back as events. It decides which requests are answered how, when the
/// process starts, where the client's input and the process's output go
/// (and when either is held back), what is recorded and audited, and that
/// a session ends only once its process exited and its output drained,
/// with the exit status last.
struct SessionStateMachine {
    enum Program: Equatable {
        case shell
        case exec(String)
        /// The `sftp` subsystem: the system's sftp-server, run like a command.
        case sftp
    }

    /// What the handler is to start: off the event loop, it opens the
    /// session in the audit (`openingAudit`) and spawns the process, then
    /// reports `started`, `startRefused` or `spawnFailed` back on the loop
    /// (the client may have left meanwhile).
    struct Start: Equatable {
        var program: Program
        var terminal: SessionLaunch.Terminal?
        var environment: [String: String]
        var wantReply: Bool
        /// Written before the process starts: with `on_spool_failure:
        /// refuse` nothing runs that the audit does not show.
        var openingAudit: [AuditNote]
    }

    struct AuditNote: Equatable {
        var type: String
        var fields: [String: JSONValue]
    }

    enum Action: Equatable {
        /// Answers a request that asked for a reply.
        case reply(Bool)
        case start(Start)
        /// A sentence for the user, on the channel's stderr.
        case tellClient(String)
        case writeToClient(ByteBuffer, from: ProcessOutput)
        case input(SessionInput.Action)
        /// Opens the process's descriptors as pipe channels and watches for its exit.
        case attachProcess
        /// Stops or resumes reading the process's output (the client's window).
        case readProcessOutput(Bool)
        case closeProcessOutputs
        /// The process, or its whole process group.
        case signal(Int32, group: Bool)
        case resizeTerminal(WindowSize)
        /// Creates the session's recorder with its first frame and flushes it periodically.
        case startRecording(term: String, size: TerminalSize)
        case record(RecordingFrame.Kind)
        case stopRecordingFlush
        case audit(AuditNote)
        /// The sftp request parser met something it cannot read; its audit stops.
        case sftpAuditStopped(reason: String)
        /// `drainGraceElapsed` is due after `SessionServices.terminalDrainGrace`.
        case scheduleDrainGrace
        /// Writes `session.end` and clears the session's open note.
        case endSession([String: JSONValue])
        case sendExit(ProcessExit)
        case closeChannel
    }

    private enum Phase {
        /// Collecting pty-req and env until a program is asked for.
        case idle
        /// The handler is starting the program.
        case starting(Program)
        case running(Running)
        /// Ended (audited, exit status sent); nothing else happens.
        case finished
    }

    private struct Running {
        var program: Program
        var openOutputs: Set<ProcessOutput>
        var exit: ProcessExit?
        /// An sftp session is not recorded: its stream is the files
        /// themselves in binary packets, which no terminal replays and which
        /// would store every transferred byte again in the audit log; its
        /// `sftp` events name what was done instead.
        var recorded: Bool { program != .sftp }
    }

    private let permitPTY: Bool
    private var phase = Phase.idle
    /// The pty-req's terminal, if one was granted (none for sftp).
    private var terminal: SessionLaunch.Terminal?
    private var environment: [String: String] = [:]
    private var input: SessionInput
    /// Reads an sftp session's requests for the audit, until it meets something it cannot read.
    private var sftpRequests: SFTPRequestParser?
    private var clientGone = false
    /// Reading the process's output is stopped while the client's window is full.
    private var outputPaused = false
    /// The lock that ended the session, for its `session.end`.
    private var endingLock: String?

    init(permitPTY: Bool, inputBufferLimit: Int) {
        self.permitPTY = permitPTY
        input = SessionInput(limit: inputBufferLimit)
    }

    var isFinished: Bool {
        if case .finished = phase { return true }
        return false
    }

    private var hasStarted: Bool {
        if case .idle = phase { return false }
        return true
    }

    // MARK: Requests

    mutating func terminalRequested(_ requested: SessionLaunch.Terminal, wantReply: Bool) -> [Action] {
        guard permitPTY, !hasStarted else { return reply(false, wantReply) }
        terminal = requested
        return reply(true, wantReply)
    }

    mutating func environmentRequested(name: String, value: String, wantReply: Bool) -> [Action] {
        let accepted = SessionLaunch.acceptsEnvironment(name) && !hasStarted
        if accepted { environment[name] = value }
        return reply(accepted, wantReply)
    }

    mutating func subsystemRequested(_ name: String, wantReply: Bool) -> [Action] {
        // Like sshd's default configuration: sftp, and no other subsystem.
        guard name == "sftp" else { return reply(false, wantReply) }
        return programRequested(.sftp, wantReply: wantReply)
    }

    /// A shell, exec or subsystem request: the first one starts the session; any other is refused.
    mutating func programRequested(_ program: Program, wantReply: Bool) -> [Action] {
        guard case .idle = phase, endingLock == nil else { return reply(false, wantReply) }
        // Binary packets through a terminal would be mangled.
        if program == .sftp { terminal = nil }
        phase = .starting(program)
        var opening = [AuditNote(type: NodeEventType.sessionStart, fields: kindFields(program, interactive: program == .shell))]
        if case .exec(let command) = program {
            opening.append(AuditNote(type: NodeEventType.exec, fields: ["command": .string(command)]))
            if let scp = SCPCommand(command) { opening.append(AuditNote(type: NodeEventType.scp, fields: scp.auditFields)) }
        }
        return [.start(Start(program: program, terminal: terminal, environment: environment, wantReply: wantReply, openingAudit: opening))]
    }

    mutating func windowChanged(_ size: WindowSize) -> [Action] {
        guard terminal != nil else { return [] }
        switch phase {
        case .idle, .starting:
            // Before the shell: its terminal starts at this size.
            terminal?.size = size
            return []
        case .running(let running):
            terminal?.size = size
            let frame = RecordingFrame.Kind.resize(TerminalSize(columns: UInt32(size.columns), rows: UInt32(size.rows)))
            return [.resizeTerminal(size)] + (running.recorded ? [.record(frame)] : [])
        case .finished:
            return []
        }
    }

    mutating func signalRequested(_ name: String) -> [Action] {
        guard case .running(let running) = phase, running.exit == nil, let number = SignalNames.number(name) else { return [] }
        return [.signal(number, group: false)]
    }

    // MARK: Starting

    /// The session could not be opened (the audit refused it, no sftp server); nothing ran.
    mutating func startRefused(_ sentence: String, wantReply: Bool) -> [Action] {
        guard case .starting = phase else { return [] }
        phase = .idle
        guard !clientGone else { return [] }
        return [.tellClient("tether: \(sentence)\r\n")] + reply(false, wantReply)
    }

    /// The session was opened in the audit but its process did not start.
    mutating func spawnFailed(_ sentence: String, wantReply: Bool) -> [Action] {
        guard case .starting(let program) = phase else { return [] }
        var fields = kindFields(program, interactive: program == .shell)
        fields["reason"] = .string("the process could not start: \(sentence)")
        return [.endSession(fields)] + startRefused(sentence, wantReply: wantReply)
    }

    mutating func started(wantReply: Bool) -> [Action] {
        guard case .starting(let program) = phase else { return [] }
        guard !clientGone, endingLock == nil else {
            // The client left (or a lock closed the channel) while the process started: it is killed, and
            // its session ends in the audit once it exited (its descriptors
            // are attached only to be closed, and its exit watched).
            phase = .running(Running(program: program, openOutputs: []))
            return [.attachProcess, .signal(SIGKILL, group: false)]
        }
        let running = Running(program: program, openOutputs: terminal != nil ? [.terminal] : [.standardOutput, .standardError])
        phase = .running(running)
        var actions: [Action] = []
        if program == .sftp {
            sftpRequests = SFTPRequestParser()
            for bytes in input.waitingInput { actions += auditSFTP(bytes) }
        }
        if running.recorded {
            let size = TerminalSize(columns: UInt32(terminal?.size.columns ?? 0), rows: UInt32(terminal?.size.rows ?? 0))
            actions.append(.startRecording(term: terminal?.term ?? "", size: size))
        }
        return actions + [.attachProcess] + reply(true, wantReply)
    }

    // MARK: The client's input

    mutating func clientSent(_ bytes: ByteBuffer) -> [Action] {
        auditSFTP(bytes) + input.received(bytes).map(Action.input)
    }

    mutating func clientEndedInput() -> [Action] {
        // A terminal has no end of input of its own; the shell exits on its own terms.
        guard terminal == nil else { return [] }
        return input.clientEnded().map(Action.input)
    }

    mutating func readRequested() -> [Action] {
        input.readRequested().map(Action.input)
    }

    mutating func processInputWritabilityChanged(isWritable: Bool) -> [Action] {
        input.pipeWritabilityChanged(isWritable: isWritable).map(Action.input)
    }

    private mutating func auditSFTP(_ bytes: ByteBuffer) -> [Action] {
        guard sftpRequests != nil else { return [] }
        var actions = (sftpRequests?.feed(bytes.readableBytesView) ?? []).map {
            Action.audit(AuditNote(type: NodeEventType.sftp, fields: $0.auditFields))
        }
        if let reason = sftpRequests?.failure {
            sftpRequests = nil
            actions.append(.sftpAuditStopped(reason: reason))
        }
        return actions
    }

    // MARK: The process

    /// One of the process's descriptors is open on the event loop.
    mutating func processOutputAttached(carriesInput: Bool, isWritable: Bool) -> [Action] {
        guard !clientGone, case .running = phase else { return [.closeProcessOutputs] }
        return carriesInput ? input.pipeAttached(isWritable: isWritable).map(Action.input) : []
    }

    /// NIO did not take a descriptor: a process the session cannot serve is stopped.
    mutating func processOutputAttachFailed(_ output: ProcessOutput) -> [Action] {
        [.signal(SIGKILL, group: false)] + processOutputEnded(output)
    }

    mutating func processWrote(_ bytes: ByteBuffer, on output: ProcessOutput) -> [Action] {
        guard !clientGone, case .running(let running) = phase else { return [] }
        let frame = RecordingFrame.Kind.output(Array(bytes.readableBytesView))
        return (running.recorded ? [.record(frame)] : []) + [.writeToClient(bytes, from: output)]
    }

    /// Back-pressure: the process's output is read only while the client's window has room.
    mutating func clientWritabilityChanged(isWritable: Bool) -> [Action] {
        guard outputPaused == isWritable else { return [] }
        outputPaused = !isWritable
        return [.readProcessOutput(isWritable)]
    }

    mutating func processOutputEnded(_ output: ProcessOutput) -> [Action] {
        guard case .running(var running) = phase else { return [] }
        running.openOutputs.remove(output)
        phase = .running(running)
        return finishIfDone()
    }

    mutating func processExited(_ exit: ProcessExit) -> [Action] {
        guard case .running(var running) = phase else { return [] }
        running.exit = exit
        phase = .running(running)
        // Whatever is still in the PTY arrives within the grace period
        // (background jobs may hold it open after the shell exited).
        let drain: [Action] = terminal != nil && !running.openOutputs.isEmpty ? [.scheduleDrainGrace] : []
        return drain + finishIfDone()
    }

    mutating func drainGraceElapsed() -> [Action] {
        guard case .running(var running) = phase else { return [] }
        running.openOutputs.removeAll()
        phase = .running(running)
        return finishIfDone()
    }

    /// Ends the session once the process exited and its output is drained:
    /// recording, audit, exit status, close (no EOF: the client may have
    /// sent its own already, and close implies it).
    private mutating func finishIfDone() -> [Action] {
        guard case .running(let running) = phase, let exit = running.exit, running.openOutputs.isEmpty else { return [] }
        phase = .finished
        var fields = kindFields(running.program, interactive: terminal != nil)
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
        var actions: [Action] = [.stopRecordingFlush, .closeProcessOutputs]
        if running.recorded { actions.append(.record(.end(exitStatus: status))) }
        actions.append(.endSession(fields))
        if !clientGone { actions += [.sendExit(exit), .closeChannel] }
        return actions
    }

    // MARK: The node

    /// The channel closed (the client left, or the connection dropped):
    /// like a hung-up terminal, the whole PTY session or the command gets SIGHUP.
    mutating func clientClosed() -> [Action] {
        clientGone = true
        var actions: [Action] = [.stopRecordingFlush]
        if case .running(let running) = phase, running.exit == nil {
            actions.append(.signal(SIGHUP, group: terminal != nil))
        }
        return actions + [.closeProcessOutputs]
    }

    /// The spool refused this session's events (already logged and counted
    /// by the auditor). With `on_spool_failure: refuse`, a session that can
    /// no longer be audited ends, and the user is told why.
    mutating func spoolFailed(_ sentence: String, refuse: Bool) -> [Action] {
        guard refuse, case .running(let running) = phase, running.exit == nil else { return [] }
        let message = "tether: this node can no longer write its audit log, so the session is ended: \(sentence)\r\n"
        return (clientGone ? [] : [.tellClient(message)]) + [.signal(SIGKILL, group: terminal != nil)]
    }

    /// A lock now matches this session's user or node: the user is told
    /// why, then the session's process group is killed (a lock is no
    /// request to finish up), so the session ends as usual, its
    /// `session.end` saying `reason: locked`. A session whose process never
    /// started just closes.
    mutating func lockEnded(_ name: String, sentence: String) -> [Action] {
        guard !isFinished, endingLock == nil else { return [] }
        endingLock = name
        let tell: [Action] = clientGone ? [] : [.tellClient("\r\ntether: \(sentence)\r\n")]
        guard case .running(let running) = phase else { return tell + [.closeChannel] }
        return tell + (running.exit == nil ? [.signal(SIGKILL, group: true)] : [])
    }

    // MARK: Helpers

    private func reply(_ success: Bool, _ wantReply: Bool) -> [Action] {
        wantReply ? [.reply(success)] : []
    }

    /// What `session.start` and `session.end` say about the kind of session.
    private func kindFields(_ program: Program, interactive: Bool) -> [String: JSONValue] {
        var fields: [String: JSONValue] = ["interactive": .bool(interactive)]
        if program == .sftp { fields["subsystem"] = "sftp" }
        return fields
    }
}
