import Foundation
import NIOSSH
import Testing
import TetherCore
import TetherStorage
@testable import TetherNode

@Suite struct SSHTerminalTests {
    @Test func shellOnAPTYFollowsWindowChangesAndReportsItsExit() async throws {
        let node = try await NodeFixture()
        let (key, certificate) = try node.issue(permissions: [.pty])
        let connection = try await node.connect(login: "root", key: key, certificate: certificate)
        let session = try await connection.openSession()
        try await session.request(SSHChannelRequestEvent.PseudoTerminalRequest(
            wantReply: true, term: "xterm-256color", terminalCharacterWidth: 80, terminalRowHeight: 24,
            terminalPixelWidth: 0, terminalPixelHeight: 0, terminalModes: SSHTerminalModes([:])
        ))
        try await session.request(SSHChannelRequestEvent.ShellRequest(wantReply: true))
        try await session.write("stty size; echo \"term=$TERM\"; tty\n")
        #expect(await session.waitForOutput(containing: "24 80"))
        #expect(await session.waitForOutput(containing: "term=xterm-256color"))
        try await session.request(SSHChannelRequestEvent.WindowChangeRequest(
            terminalCharacterWidth: 132, terminalRowHeight: 50, terminalPixelWidth: 0, terminalPixelHeight: 0
        ))
        try await session.write("stty size; exit 3\n")
        let result = try await session.finished()
        await connection.close()

        #expect(result.replies == [true, true])
        #expect(result.standardOutput.contains("50 132"))
        #expect(result.standardOutput.contains("/dev/pts/"))
        #expect(result.exitStatus == 3)

        let start = try #require(try await node.events(NodeAuditor.EventType.sessionStart).first)
        #expect(start.fields["interactive"] == .bool(true))
        let frames = try SessionRecording.load(sessionID: try #require(start.sessionID), from: node.spool.store)
        #expect(frames.first?.kind == .start(login: "root", node: NodeFixture.nodeName, term: "xterm-256color", size: TerminalSize(columns: 80, rows: 24)))
        #expect(frames.contains { $0.kind == .resize(TerminalSize(columns: 132, rows: 50)) })
        #expect(frames.last?.kind == .end(exitStatus: 3))
        await node.shutdown()
    }

    @Test func terminalIsRefusedWithoutThePermitPTYPermission() async throws {
        let node = try await NodeFixture()
        let (key, certificate) = try node.issue(permissions: [])
        let connection = try await node.connect(login: "root", key: key, certificate: certificate)
        let session = try await connection.openSession()
        try await session.request(SSHChannelRequestEvent.PseudoTerminalRequest(
            wantReply: true, term: "xterm", terminalCharacterWidth: 80, terminalRowHeight: 24,
            terminalPixelWidth: 0, terminalPixelHeight: 0, terminalModes: SSHTerminalModes([:])
        ))
        try await session.request(SSHChannelRequestEvent.ExecRequest(command: "test -t 0 || echo no-tty", wantReply: true))
        try await session.closeInput()
        let result = try await session.finished()
        await connection.close()

        #expect(result.replies == [false, true])
        #expect(result.standardOutput == "no-tty\n")
        await node.shutdown()
    }
}
