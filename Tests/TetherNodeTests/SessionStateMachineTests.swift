import Glibc
import Logging
import NIOCore
import NIOEmbedded
import NIOSSH
import Testing
import TetherAPI
import TetherCore
import TetherIdentity
import TetherStorage
import TetherTestSupport
@testable import TetherNode

/// Issue 12, work item 4: the session's logic, event by event, without a
/// channel or a process: every ordering of exit, output, EOF, signals,
/// window changes, locks and failures that decides what the user and the
/// audit see.
@Suite struct SessionStateMachineTests {
    typealias Machine = SessionStateMachine
    typealias Action = SessionStateMachine.Action

    private static let limit = 1024

    private func machine(permitPTY: Bool = true) -> Machine {
        Machine(permitPTY: permitPTY, inputBufferLimit: Self.limit)
    }

    private func bytes(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    /// An exec session whose process runs with its pipes attached.
    private func runningExec(_ command: String = "make") -> Machine {
        var session = machine()
        _ = session.programRequested(.exec(command), wantReply: true)
        _ = session.started(wantReply: true)
        _ = session.processOutputAttached(carriesInput: true, isWritable: true)
        _ = session.processOutputAttached(carriesInput: false, isWritable: true)
        return session
    }

    /// A shell on a 80x24 terminal, running.
    private func runningShell() -> Machine {
        var session = machine()
        _ = session.terminalRequested(SessionLaunch.Terminal(term: "xterm", size: WindowSize(columns: 80, rows: 24)), wantReply: true)
        _ = session.programRequested(.shell, wantReply: true)
        _ = session.started(wantReply: true)
        _ = session.processOutputAttached(carriesInput: true, isWritable: true)
        return session
    }

    private func finishing(_ fields: [String: JSONValue], exit: ProcessExit, status: Int32?) -> [Action] {
        [.stopRecordingFlush, .closeProcessOutputs, .record(.end(exitStatus: status)), .endSession(fields), .sendExit(exit), .closeChannel]
    }

    @Test func execStartsAuditedAndAnswersOnlyOnceItRuns() {
        var session = machine()
        let start = session.programRequested(.exec("scp -t /tmp"), wantReply: true)
        #expect(start == [.start(Machine.Start(program: .exec("scp -t /tmp"), terminal: nil, environment: [:], wantReply: true, openingAudit: [
            Machine.AuditNote(type: NodeEventType.sessionStart, fields: ["interactive": false]),
            Machine.AuditNote(type: NodeEventType.exec, fields: ["command": "scp -t /tmp"]),
            Machine.AuditNote(type: NodeEventType.scp, fields: ["direction": "upload", "path": "/tmp", "recursive": false]),
        ]))])
        #expect(session.started(wantReply: true) == [.startRecording(term: "", size: TerminalSize(columns: 0, rows: 0)), .attachProcess, .reply(true)])
    }

    @Test func aSecondProgramOnTheChannelIsRefused() {
        var session = runningExec()
        #expect(session.programRequested(.exec("id"), wantReply: true) == [.reply(false)])
        #expect(session.programRequested(.shell, wantReply: false) == [])
        #expect(session.subsystemRequested("sftp", wantReply: true) == [.reply(false)])
    }

    @Test func requestsBeforeTheProgramAreCheckedAndCollected() {
        var session = machine(permitPTY: false)
        #expect(session.terminalRequested(SessionLaunch.Terminal(term: "xterm", size: WindowSize(columns: 80, rows: 24)), wantReply: true) == [.reply(false)])
        #expect(session.environmentRequested(name: "LANG", value: "C", wantReply: true) == [.reply(true)])
        #expect(session.environmentRequested(name: "LD_PRELOAD", value: "/tmp/x.so", wantReply: true) == [.reply(false)])
        #expect(session.subsystemRequested("netconf", wantReply: true) == [.reply(false)])
        guard case .start(let start) = session.programRequested(.exec("env"), wantReply: false).first else {
            Issue.record("no start")
            return
        }
        #expect(start.environment == ["LANG": "C"])
        #expect(start.terminal == nil)
        // Too late for either once the program is asked for.
        #expect(session.environmentRequested(name: "TZ", value: "UTC", wantReply: true) == [.reply(false)])
    }

    @Test func exitBeforeTheOutputIsDrainedWaitsForIt() {
        var session = runningExec()
        #expect(session.processWrote(bytes("partial"), on: .standardOutput) == [
            .record(.output(Array("partial".utf8))), .writeToClient(bytes("partial"), from: .standardOutput),
        ])
        #expect(session.processExited(.exited(3)) == [], "the exit status must not overtake output still in the pipes")
        #expect(session.processWrote(bytes("rest"), on: .standardError) == [
            .record(.output(Array("rest".utf8))), .writeToClient(bytes("rest"), from: .standardError),
        ])
        #expect(session.processOutputEnded(.standardOutput) == [])
        #expect(session.processOutputEnded(.standardError) == finishing(["interactive": false, "exit_status": 3], exit: .exited(3), status: 3))
        #expect(session.isFinished)
        #expect(session.processWrote(bytes("late"), on: .standardOutput) == [])
    }

    @Test func exitAfterTheOutputIsDrainedEndsAtOnce() {
        var session = runningExec()
        #expect(session.processOutputEnded(.standardOutput) == [])
        #expect(session.processOutputEnded(.standardError) == [])
        #expect(session.processExited(.signaled(SIGTERM)) == finishing(["interactive": false, "signal": "TERM"], exit: .signaled(SIGTERM), status: nil))
    }

    @Test func aTerminalHeldOpenAfterTheShellExitedDrainsForAGracePeriod() {
        var session = runningShell()
        #expect(session.processExited(.exited(0)) == [.scheduleDrainGrace])
        #expect(session.drainGraceElapsed() == finishing(["interactive": true, "exit_status": 0], exit: .exited(0), status: 0))
        #expect(session.drainGraceElapsed() == [])
    }

    @Test func theClientsEOFEndsTheProcessInputOnlyOnceItIsAttached() {
        var session = machine()
        #expect(session.clientSent(bytes("typed ahead")) == [])
        #expect(session.clientEndedInput() == [])
        _ = session.programRequested(.exec("cat"), wantReply: true)
        _ = session.started(wantReply: true)
        #expect(session.processOutputAttached(carriesInput: true, isWritable: true) == [
            .input(.writeToProcess(bytes("typed ahead"))), .input(.endProcessInput),
        ])
        #expect(session.clientSent(bytes("more")) == [.input(.writeToProcess(bytes("more")))])
    }

    @Test func aTerminalHasNoEndOfInputOfItsOwn() {
        var session = runningShell()
        #expect(session.clientEndedInput() == [])
    }

    @Test func inputIsBoundedBeforeTheProcessTakesItAndWhileItsPipeIsFull() {
        var session = machine()
        #expect(session.readRequested() == [.input(.readFromClient)])
        _ = session.clientSent(ByteBuffer(repeating: 0x78, count: Self.limit))
        #expect(session.readRequested() == [], "the channel was read with the whole buffer waiting")
        _ = session.programRequested(.exec("cat"), wantReply: true)
        _ = session.started(wantReply: true)
        #expect(session.processOutputAttached(carriesInput: true, isWritable: true) == [
            .input(.writeToProcess(ByteBuffer(repeating: 0x78, count: Self.limit))), .input(.readFromClient),
        ])
        #expect(session.processInputWritabilityChanged(isWritable: false) == [])
        #expect(session.readRequested() == [])
        #expect(session.processInputWritabilityChanged(isWritable: true) == [.input(.readFromClient)])
        #expect(session.processInputWritabilityChanged(isWritable: true) == [])
    }

    @Test func theProcessOutputIsReadOnlyWhileTheClientsWindowHasRoom() {
        var session = runningExec()
        #expect(session.clientWritabilityChanged(isWritable: true) == [])
        #expect(session.clientWritabilityChanged(isWritable: false) == [.readProcessOutput(false)])
        #expect(session.clientWritabilityChanged(isWritable: false) == [])
        #expect(session.clientWritabilityChanged(isWritable: true) == [.readProcessOutput(true)])
    }

    @Test func signalsReachOnlyARunningProcess() {
        var session = machine()
        #expect(session.signalRequested("INT") == [])
        session = runningExec()
        #expect(session.signalRequested("INT") == [.signal(SIGINT, group: false)])
        #expect(session.signalRequested("NOSUCH") == [])
        _ = session.processExited(.exited(0))
        #expect(session.signalRequested("KILL") == [], "an exited process is not signalled (its pid may be someone else's)")
    }

    @Test func aWindowChangeBeforeTheShellSizesItsTerminal() {
        var session = machine()
        #expect(session.windowChanged(WindowSize(columns: 100, rows: 30)) == [], "no terminal was asked for")
        _ = session.terminalRequested(SessionLaunch.Terminal(term: "xterm", size: WindowSize(columns: 80, rows: 24)), wantReply: false)
        #expect(session.windowChanged(WindowSize(columns: 132, rows: 50)) == [])
        guard case .start(let start) = session.programRequested(.shell, wantReply: true).first else {
            Issue.record("no start")
            return
        }
        #expect(start.terminal?.size == WindowSize(columns: 132, rows: 50))
        #expect(session.started(wantReply: true).first == .startRecording(term: "xterm", size: TerminalSize(columns: 132, rows: 50)))
        #expect(session.windowChanged(WindowSize(columns: 90, rows: 20)) == [
            .resizeTerminal(WindowSize(columns: 90, rows: 20)), .record(.resize(TerminalSize(columns: 90, rows: 20))),
        ])
    }

    @Test func aLockMidSessionKillsTheGroupAndIsNamedInTheEnd() {
        var session = runningShell()
        #expect(session.lockEnded("incident-42", sentence: "alice is locked.") == [
            .tellClient("\r\ntether: alice is locked.\r\n"), .signal(SIGKILL, group: true),
        ])
        #expect(session.lockEnded("another", sentence: "again.") == [])
        _ = session.processOutputEnded(.terminal)
        #expect(session.processExited(.signaled(SIGKILL)) == finishing(
            ["interactive": true, "signal": "KILL", "reason": "locked", "lock": "incident-42"], exit: .signaled(SIGKILL), status: nil))
    }

    @Test func aLockBeforeTheProgramClosesTheChannel() {
        var session = machine()
        #expect(session.lockEnded("l", sentence: "locked.") == [.tellClient("\r\ntether: locked.\r\n"), .closeChannel])
        #expect(session.programRequested(.shell, wantReply: true) == [.reply(false)])
    }

    @Test func aProcessThatCannotStartEndsItsAuditedSessionAndLeavesTheChannelUsable() {
        var session = machine()
        _ = session.programRequested(.exec("x"), wantReply: true)
        #expect(session.spawnFailed("could not start /bin/sh: Permission denied.", wantReply: true) == [
            .endSession(["interactive": false, "reason": "the process could not start: could not start /bin/sh: Permission denied."]),
            .tellClient("tether: could not start /bin/sh: Permission denied.\r\n"), .reply(false),
        ])
        #expect(session.programRequested(.exec("y"), wantReply: true).count == 1)
        #expect(session.startRefused("this node refuses new sessions.", wantReply: false) == [.tellClient("tether: this node refuses new sessions.\r\n")])
    }

    @Test func aRecordingFailureEndsTheSessionOnlyUnderRefuse() {
        var session = runningShell()
        #expect(session.spoolFailed("disk full.", refuse: false) == [])
        #expect(session.spoolFailed("disk full.", refuse: true) == [
            .tellClient("tether: this node can no longer write its audit log, so the session is ended: disk full.\r\n"),
            .signal(SIGKILL, group: true),
        ])
        _ = session.processExited(.signaled(SIGKILL))
        #expect(session.spoolFailed("disk full.", refuse: true) == [])
    }

    @Test func theClientLeavingHangsUpAndTheSessionStillEndsInTheAudit() {
        var session = runningExec()
        #expect(session.clientClosed() == [.stopRecordingFlush, .signal(SIGHUP, group: false), .closeProcessOutputs])
        #expect(session.processWrote(bytes("nobody reads this"), on: .standardOutput) == [])
        #expect(session.processOutputAttached(carriesInput: false, isWritable: true) == [.closeProcessOutputs])
        _ = session.processOutputEnded(.standardOutput)
        _ = session.processOutputEnded(.standardError)
        #expect(session.processExited(.signaled(SIGHUP)) == [
            .stopRecordingFlush, .closeProcessOutputs, .record(.end(exitStatus: nil)), .endSession(["interactive": false, "signal": "HUP"]),
        ])
    }

    /// The start (audit, then spawn) runs off the event loop: the client
    /// may leave meanwhile. Nothing is ended in the audit before the start
    /// is known, so `session.end` always follows `session.start`.
    @Test func aProcessStartedForAClientThatLeftIsKilledAndItsSessionEnded() {
        var session = machine()
        _ = session.programRequested(.exec("make"), wantReply: true)
        #expect(session.clientClosed() == [.stopRecordingFlush, .closeProcessOutputs])
        #expect(session.started(wantReply: true) == [.attachProcess, .signal(SIGKILL, group: false)])
        #expect(session.processOutputAttached(carriesInput: true, isWritable: true) == [.closeProcessOutputs])
        #expect(session.processWrote(bytes("nobody reads this"), on: .standardOutput) == [])
        #expect(session.processExited(.signaled(SIGKILL)) == [
            .stopRecordingFlush, .closeProcessOutputs, .record(.end(exitStatus: nil)), .endSession(["interactive": false, "signal": "KILL"]),
        ])
        #expect(session.isFinished)
    }

    @Test func aStartThatFailsAfterTheClientLeftOnlyEndsWhatWasAudited() {
        var refused = machine()
        _ = refused.programRequested(.shell, wantReply: true)
        _ = refused.clientClosed()
        #expect(refused.startRefused("this node refuses new sessions.", wantReply: true) == [])

        var failed = machine()
        _ = failed.programRequested(.exec("x"), wantReply: true)
        _ = failed.clientClosed()
        #expect(failed.spawnFailed("no such account.", wantReply: true) == [
            .endSession(["interactive": false, "reason": "the process could not start: no such account."]),
        ])
    }

    @Test func aLockWhileTheProcessStartsKillsItAndIsNamedInTheEnd() {
        var session = machine()
        _ = session.programRequested(.exec("make"), wantReply: true)
        #expect(session.lockEnded("l", sentence: "locked.") == [.tellClient("\r\ntether: locked.\r\n"), .closeChannel])
        // The process started before the channel's close came back.
        #expect(session.started(wantReply: true) == [.attachProcess, .signal(SIGKILL, group: false)])
        _ = session.clientClosed()
        #expect(session.processExited(.signaled(SIGKILL)) == [
            .stopRecordingFlush, .closeProcessOutputs, .record(.end(exitStatus: nil)),
            .endSession(["interactive": false, "signal": "KILL", "reason": .string(SessionEndReason.locked), "lock": "l"]),
        ])
    }

    @Test func anSFTPSessionIsAuditedByRequestNotRecorded() {
        var session = machine()
        _ = session.terminalRequested(SessionLaunch.Terminal(term: "xterm", size: WindowSize(columns: 80, rows: 24)), wantReply: true)
        guard case .start(let start) = session.subsystemRequested("sftp", wantReply: true).first else {
            Issue.record("no start")
            return
        }
        #expect(start.terminal == nil, "binary packets through a terminal would be mangled")
        #expect(start.openingAudit == [Machine.AuditNote(type: NodeEventType.sessionStart, fields: ["interactive": false, "subsystem": "sftp"])])
        // SSH_FXP_MKDIR "d" (id 1, no attributes), sent before the server ran.
        var mkdir = ByteBuffer()
        mkdir.writeInteger(UInt32(14))
        mkdir.writeBytes([14, 0, 0, 0, 1, 0, 0, 0, 1, UInt8(ascii: "d"), 0, 0, 0, 0])
        _ = session.clientSent(mkdir)
        #expect(session.started(wantReply: true) == [
            .audit(Machine.AuditNote(type: NodeEventType.sftp, fields: ["operation": "mkdir", "path": "d"])), .attachProcess, .reply(true),
        ])
        _ = session.processOutputAttached(carriesInput: true, isWritable: true)
        #expect(session.processWrote(bytes("reply"), on: .standardOutput) == [.writeToClient(bytes("reply"), from: .standardOutput)])
    }

    @Test func anAttachFailureStopsTheProcess() {
        var session = machine()
        _ = session.programRequested(.exec("x"), wantReply: false)
        _ = session.started(wantReply: false)
        #expect(session.processOutputAttachFailed(.standardError) == [.signal(SIGKILL, group: false)])
    }
}

/// The handler over `EmbeddedChannel`, for what happens before a process
/// runs (a process needs a real event loop for its pipes).
@Suite struct SessionChannelHandlerTests {
    private func channel(permitPTY: Bool) throws -> (EmbeddedChannel, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let auditor = NodeAuditor(cluster: "acme", nodeName: "robot-17", labels: NodeLabels(configured: [:]),
                                  spool: try AuditSpool(path: directory.path("spool.sqlite")), clock: SystemWallClock(), logger: Logger(label: "test"))
        let account = try LoginAccounts().resolve(try #require(LoginAccounts().ownAccount?.name))
        let admission = Admission(identity: TetherCertificateIdentity(user: "alice", cluster: "acme", roles: []), login: account.account.name,
                                  account: account, permitPTY: permitPTY, permitPortForwarding: false)
        let handler = SessionChannelHandler(admission: admission, subject: AuditSubject(identity: admission.identity, login: admission.login, remoteAddress: nil),
                                            services: SessionServices(auditor: auditor))
        return (EmbeddedChannel(handlers: [ReplyRecorder(), handler]), directory)
    }

    private func replies(_ channel: EmbeddedChannel) throws -> [Bool] {
        try channel.pipeline.syncOperations.handler(type: ReplyRecorder.self).replies
    }

    @Test func requestsBeforeTheProgramAreAnsweredAsTheStateMachineSays() throws {
        let (channel, directory) = try channel(permitPTY: false)
        defer { directory.remove() }
        channel.pipeline.fireUserInboundEventTriggered(SSHChannelRequestEvent.PseudoTerminalRequest(
            wantReply: true, term: "xterm", terminalCharacterWidth: 80, terminalRowHeight: 24, terminalPixelWidth: 0, terminalPixelHeight: 0,
            terminalModes: SSHTerminalModes([:])))
        channel.pipeline.fireUserInboundEventTriggered(SSHChannelRequestEvent.EnvironmentRequest(wantReply: true, name: "LANG", value: "C"))
        channel.pipeline.fireUserInboundEventTriggered(SSHChannelRequestEvent.SubsystemRequest(subsystem: "netconf", wantReply: true))
        #expect(try replies(channel) == [false, true, false])
        _ = try? channel.finish()
    }

    @Test func aLockBeforeTheProgramTellsTheUserAndClosesTheChannel() throws {
        let (channel, directory) = try channel(permitPTY: true)
        defer { directory.remove() }
        let handler = try channel.pipeline.syncOperations.handler(type: SessionChannelHandler.self)
        handler.end(byLock: "incident-42", sentence: "alice is locked out.")
        let told = try #require(try channel.readOutbound(as: SSHChannelData.self))
        guard case .byteBuffer(let bytes) = told.data else {
            Issue.record("the lock's sentence is not bytes")
            return
        }
        #expect(told.type == .stdErr && String(buffer: bytes) == "\r\ntether: alice is locked out.\r\n")
        #expect(!channel.isActive)
    }
}

/// Notes the replies a handler sends to channel requests.
private final class ReplyRecorder: ChannelOutboundHandler {
    typealias OutboundIn = Any
    private(set) var replies: [Bool] = []

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        if event is ChannelSuccessEvent { replies.append(true) }
        if event is ChannelFailureEvent { replies.append(false) }
        promise?.succeed()
    }
}
