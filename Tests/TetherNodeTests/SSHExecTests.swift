import Foundation
import NIOSSH
import Testing
import TetherCore
import TetherStorage
import TetherTestSupport
@testable import TetherNode

@Suite struct SSHExecTests {
    @Test func execReturnsOutputAndExitStatusAndIsAudited() async throws {
        let node = try await NodeFixture()
        let (key, certificate) = try node.issue()
        let connection = try await node.connect(login: "root", key: key, certificate: certificate)
        let result = try await connection.exec("echo hi; echo oops >&2; exit 7")
        await connection.close()

        #expect(result.standardOutput == "hi\n")
        #expect(result.standardError == "oops\n")
        #expect(result.exitStatus == 7)
        #expect(result.replies == [true])

        let start = try #require(try await node.events(NodeAuditor.EventType.sessionStart).first)
        #expect(start.user == "alice")
        #expect(start.login == "root")
        #expect(start.node == NodeFixture.nodeName)
        #expect(start.nodeLabels == ["env": "dev", "customer": "acme"])
        #expect(start.remoteAddr == "203.0.113.7:51515")
        #expect(start.roles == ["ops"])
        #expect(start.cluster == NodeFixture.cluster)
        let sessionID = try #require(start.sessionID)
        let exec = try #require(try await node.events(NodeAuditor.EventType.exec).first)
        #expect(exec.fields["command"] == .string("echo hi; echo oops >&2; exit 7"))
        #expect(exec.sessionID == sessionID)
        let end = try #require(try await node.events(NodeAuditor.EventType.sessionEnd).first)
        #expect(end.fields["exit_status"] == .number(7))
        #expect(end.sessionID == sessionID)

        let frames = try SessionRecording.load(sessionID: sessionID, from: node.spool.store)
        let output = frames.compactMap { frame -> [UInt8]? in if case .output(let bytes) = frame.kind { bytes } else { nil } }
        #expect(String(decoding: output.joined(), as: UTF8.self).contains("hi\n"))
        #expect(frames.last?.kind == .end(exitStatus: 7))
        await node.shutdown()
    }

    @Test func standardInputReachesTheCommandAndEndsWithTheClientsEOF() async throws {
        let node = try await NodeFixture()
        let (key, certificate) = try node.issue()
        let connection = try await node.connect(login: "root", key: key, certificate: certificate)
        let result = try await connection.exec("tr a-z A-Z", input: "hello tether\n")
        await connection.close()

        #expect(result.standardOutput == "HELLO TETHER\n")
        #expect(result.exitStatus == 0)
        await node.shutdown()
    }

    @Test func environmentIsCleanAndOnlyWhitelistedVariablesPass() async throws {
        let node = try await NodeFixture()
        let (key, certificate) = try node.issue()
        let connection = try await node.connect(login: "root", key: key, certificate: certificate)
        let session = try await connection.openSession()
        try await session.request(SSHChannelRequestEvent.EnvironmentRequest(wantReply: true, name: "LC_ALL", value: "C.UTF-8"))
        try await session.request(SSHChannelRequestEvent.EnvironmentRequest(wantReply: true, name: "LD_PRELOAD", value: "/tmp/evil.so"))
        try await session.request(SSHChannelRequestEvent.ExecRequest(command: "echo \"$USER|$HOME|$LC_ALL|${LD_PRELOAD-unset}\"", wantReply: true))
        try await session.closeInput()
        let result = try await session.finished()
        await connection.close()

        #expect(result.replies == [true, false, true])
        #expect(result.standardOutput == "root|/root|C.UTF-8|unset\n")
        await node.shutdown()
    }

    @Test func severalSessionsShareOneConnection() async throws {
        let node = try await NodeFixture()
        let (key, certificate) = try node.issue()
        let connection = try await node.connect(login: "root", key: key, certificate: certificate)
        async let first = connection.exec("echo one")
        async let second = connection.exec("echo two; exit 2")
        let (one, two) = try await (first, second)
        await connection.close()

        #expect(one.standardOutput == "one\n" && one.exitStatus == 0)
        #expect(two.standardOutput == "two\n" && two.exitStatus == 2)
        #expect(try await node.events(NodeAuditor.EventType.sessionEnd).count == 2)
        await node.shutdown()
    }

    @Test func subsystemsOtherThanSFTPAreRefused() async throws {
        let node = try await NodeFixture()
        let (key, certificate) = try node.issue()
        let connection = try await node.connect(login: "root", key: key, certificate: certificate)
        let session = try await connection.openSession()
        try await session.request(SSHChannelRequestEvent.SubsystemRequest(subsystem: "netconf", wantReply: true))
        #expect(await eventually { session.transcript.snapshot.replies == [false] })
        // The channel is still there for a request the node serves.
        try await session.request(SSHChannelRequestEvent.ExecRequest(command: "echo still-here", wantReply: true))
        try await session.closeInput()
        let result = try await session.finished()
        await connection.close()

        #expect(result.replies == [false, true])
        #expect(result.standardOutput == "still-here\n")
        #expect(try await node.events(NodeAuditor.EventType.sessionStart).count == 1)
        await node.shutdown()
    }
}
