import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import NIOSSH
import Testing
import TetherAPI
import TetherCore
import TetherIdentity
import TetherStorage
import TetherTestSupport
@testable import TetherNode

/// Issue 11, findings 8 and 9 and sessions cut by a crash: the node's audit
/// fails closed, its input buffers are bounded, and a session it stopped
/// serving without ending is closed in the audit at its next start.
@Suite struct AuditFailureTests {
    /// Makes every write to the spool fail, as a full disk would, through
    /// triggers a second process puts in the real file.
    private func breakSpool(_ node: NodeFixture) async throws {
        let sql = ["audit_event", "resource"].map {
            "CREATE TRIGGER full_\($0) BEFORE INSERT ON \($0) BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;"
        }.joined()
        try await sqlite(node, sql)
    }

    private func repairSpool(_ node: NodeFixture) async throws {
        try await sqlite(node, "DROP TRIGGER full_audit_event; DROP TRIGGER full_resource;")
    }

    private func sqlite(_ node: NodeFixture, _ sql: String) async throws {
        let result = try await ProcessSupport.run("/usr/bin/sqlite3", [node.spool.store.path, sql], in: node.directory)
        #expect(result.status == 0, "sqlite3: \(result.stderr)")
    }

    /// Finding 8: with the default `refuse`, a session the spool cannot
    /// record never starts, and the user is told why; once the spool
    /// works again, the audit says how many writes were lost.
    @Test func aNodeThatCannotWriteItsSpoolRefusesNewSessions() async throws {
        let node = try await NodeFixture()
        let (key, certificate) = try node.issue()
        let proof = node.directory.path("ran")
        try await breakSpool(node)
        let connection = try await node.connect(login: "root", key: key, certificate: certificate)
        let session = try await connection.openSession()
        try await session.request(SSHChannelRequestEvent.ExecRequest(command: "touch \(proof)", wantReply: true))
        #expect(await eventually { session.transcript.snapshot.replies == [false] })
        let refused = session.transcript.snapshot
        #expect(refused.standardError.contains("this node refuses new sessions while it cannot write its audit log"))
        #expect(refused.standardError.contains("disk is full"))
        #expect(!FileManager.default.fileExists(atPath: proof))

        try await repairSpool(node)
        let served = try await connection.exec("echo ok")
        await connection.close()
        #expect(served.standardOutput == "ok\n")
        let lost = try #require(try await node.events(NodeEventType.auditLost).first)
        #expect((lost.fields["failed_writes"]?.intValue ?? 0) >= 1)
        #expect(lost.fields["error"]?.stringValue?.contains("disk is full") == true)
        await node.shutdown()
    }

    /// Finding 8: a port forward the spool cannot record is refused too.
    @Test func aNodeThatCannotWriteItsSpoolRefusesPortForwards() async throws {
        let node = try await NodeFixture(roles: [NodeFixture.role(portForwarding: true)])
        let (key, certificate) = try node.issue(permissions: [.pty, .portForwarding])
        let target = try await ServerBootstrap(group: node.group).bind(host: "127.0.0.1", port: 0).get()
        defer { target.close(promise: nil) }
        let connection = try await node.connect(login: "root", key: key, certificate: certificate)
        let forward = SSHChannelType.DirectTCPIP(
            targetHost: "127.0.0.1", targetPort: target.localAddress?.port ?? 0, originatorAddress: try SocketAddress(ipAddress: "127.0.0.1", port: 4000))
        try await connection.openDirectTCPIP(forward)
        try await breakSpool(node)
        await #expect(throws: (any Error).self) { try await connection.openDirectTCPIP(forward) }
        await connection.close()
        #expect(try await node.events(NodeEventType.portForward).count == 1)
        await node.shutdown()
    }

    /// Finding 8: `continue` keeps serving, unaudited.
    @Test func continueServesSessionsTheSpoolCannotRecord() async throws {
        let node = try await NodeFixture(onSpoolFailure: .proceed)
        let (key, certificate) = try node.issue()
        let proof = node.directory.path("ran")
        try await breakSpool(node)
        let connection = try await node.connect(login: "root", key: key, certificate: certificate)
        let result = try await connection.exec("touch \(proof) && echo done")
        await connection.close()
        #expect(result.standardOutput == "done\n")
        #expect(FileManager.default.fileExists(atPath: proof))
        await node.shutdown()
    }

    /// Finding 8: a running session whose recording can no longer be
    /// written is ended under `refuse`, with the reason on its stderr.
    @Test func aSessionWhoseRecordingFailsIsEnded() async throws {
        let node = try await NodeFixture()
        let (key, certificate) = try node.issue()
        let connection = try await node.connect(login: "root", key: key, certificate: certificate)
        let session = try await connection.openSession()
        // A session that keeps writing (its recording must fail) until the node ends it.
        try await session.request(SSHChannelRequestEvent.ExecRequest(command: "echo ready; while true; do echo tick; sleep 0.1; done", wantReply: true))
        #expect(await session.waitForOutput(containing: "ready"))
        try await breakSpool(node)
        let ended = try await session.finished()
        await connection.close()
        #expect(ended.standardError.contains("can no longer write its audit log, so the session is ended"))
        await node.shutdown()
    }

    private static func auditor(of spool: AuditSpool) -> NodeAuditor {
        NodeAuditor(cluster: "acme", nodeName: "robot-17", labels: NodeLabels(configured: [:]), spool: spool,
                    clock: SystemWallClock(), logger: Logger(label: "test"))
    }

    /// Sessions cut by a crash: the next start writes their `session.end`.
    @Test func sessionsLeftOpenAreClosedAtTheNextStart() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let spool = try AuditSpool(path: directory.path("spool.sqlite"))
        func auditor() -> NodeAuditor { Self.auditor(of: spool) }
        let running = auditor()
        let subject = AuditSubject(identity: nil, login: "root", sessionID: "s-cut", remoteAddress: nil)
        try running.sessionOpening("s-cut")
        try running.record([running.event(NodeEventType.sessionStart, subject, fields: ["interactive": true])])
        try running.sessionOpening("s-never-started")

        #expect(try auditor().closeInterruptedSessions() == ["s-cut"])
        let end = try #require(try spool.store.search(AuditQuery(types: [NodeEventType.sessionEnd])).first?.event)
        #expect(end.sessionID == "s-cut")
        #expect(end.fields["reason"] == .string("node restarted"))
        #expect(end.fields["recording"] == .string("incomplete"))
        #expect(end.fields["interactive"] == true)
        // Closed once: a second start finds nothing open.
        #expect(try auditor().closeInterruptedSessions().isEmpty)
    }

    /// Finding 9: input sent before the process runs is held only up to
    /// the limit; past it the channel is no longer read (so the client's
    /// SSH window fills and it waits) instead of buffering without bound.
    @Test func inputBeforeTheProcessRunsIsBounded() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let auditor = Self.auditor(of: try AuditSpool(path: directory.path("spool.sqlite")))
        let account = try LoginAccounts().resolve(try #require(LoginAccounts().ownAccount?.name))
        let admission = Admission(identity: TetherCertificateIdentity(user: "alice", cluster: "acme", roles: []), login: account.account.name,
                                  account: account, permitPTY: true, permitPortForwarding: false)
        let reads = ReadCounter()
        let services = SessionServices(auditor: auditor)
        let channel = EmbeddedChannel(handlers: [reads, SessionChannelHandler(
            admission: admission, subject: AuditSubject(identity: admission.identity, login: admission.login, remoteAddress: nil),
            services: services)])
        channel.read()
        #expect(reads.count == 1)
        let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 16 * 1024)
        for _ in 0..<(services.inputBufferLimit / chunk.readableBytes) {
            try channel.writeInbound(SSHChannelData(type: .channel, data: .byteBuffer(chunk)))
        }
        channel.read()
        #expect(reads.count == 1, "the channel was read again with \(services.inputBufferLimit) bytes waiting for a process")
        _ = try? channel.finish()
    }
}

/// Counts the reads a channel's handlers pass on towards the socket.
private final class ReadCounter: ChannelOutboundHandler, @unchecked Sendable {
    typealias OutboundIn = Any
    private(set) var count = 0

    func read(context: ChannelHandlerContext) {
        count += 1
        context.read()
    }
}
