import Foundation
import Glibc
import NIOCore
import NIOPosix
import NIOSSH
import Testing
import TetherTestSupport
@testable import TetherNode

/// Issue 12, work item 5: one reaper thread for every session process, and
/// no signal after a process was reaped (its pid may be someone else's).
@Suite struct ProcessReaperTests {
    private func exit(of process: SpawnedProcess) async -> ProcessExit {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        return await withCheckedContinuation { continuation in
            ProcessReaper.shared.watch(process.handle, on: loop) { continuation.resume(returning: $0) }
        }
    }

    private func closeDescriptors(of process: SpawnedProcess) {
        [process.standardInput, process.standardOutput, process.standardError].compactMap { $0 }.forEach { _ = close($0) }
    }

    @Test func aSignalGoesThroughThePidfdUntilTheProcessIsReaped() async throws {
        let process = try ProcessSpawner.spawn(SpawnRequest(executable: "/bin/sleep", arguments: ["sleep", "3600"]))
        closeDescriptors(of: process)
        #expect(process.handle.signal(SIGTERM))
        #expect(await exit(of: process) == .signaled(SIGTERM))
        #expect(!process.handle.signal(SIGKILL), "a reaped process was signalled")
        #expect(!process.handle.signal(SIGKILL, group: true), "a reaped process's group was signalled")
    }

    @Test func aProcessThatExitedBeforeItWasWatchedIsStillReported() async throws {
        let process = try ProcessSpawner.spawn(SpawnRequest(executable: "/bin/sh", arguments: ["sh", "-c", "exit 4"]))
        closeDescriptors(of: process)
        // It exits at once and stays a zombie, unreaped, until watched.
        #expect(await eventually { (try? String(contentsOfFile: "/proc/\(process.pid)/stat", encoding: .utf8))?.contains(") Z ") == true })
        #expect(await exit(of: process) == .exited(4))
        #expect(!process.handle.signal(SIGKILL))
    }

    /// Many sessions at once run on the reaper's one thread: the process
    /// gains no thread per session (the reaper used to start one each).
    @Test func concurrentSessionsStartNoThreads() async throws {
        let node = try await NodeFixture()
        let (key, certificate) = try node.issue()
        let connection = try await node.connect(login: "root", key: key, certificate: certificate)
        _ = try await connection.exec("true")  // the reaper's thread exists from the first session on
        let before = Self.threads()
        let count = 24
        var sessions: [TestSession] = []
        for _ in 0..<count {
            let session = try await connection.openSession()
            try await session.request(SSHChannelRequestEvent.ExecRequest(command: "echo ready; exec cat", wantReply: true))
            sessions.append(session)
        }
        for session in sessions { #expect(await session.waitForOutput(containing: "ready")) }
        let during = Self.threads()
        for session in sessions { try await session.closeInput() }
        for session in sessions { #expect(try await session.finished().exitStatus == 0) }
        await connection.close()
        #expect(during.reapers == 1, "reaper threads while \(count) sessions ran: \(during.reapers)")
        // Other suites may start a few threads meanwhile; a thread per session would add \(count).
        #expect(during.all - before.all < count / 2, "threads: \(before.all) before, \(during.all) with \(count) sessions running")
        await node.shutdown()
    }

    /// This process's threads, and those named as the reaper's.
    private static func threads() -> (all: Int, reapers: Int) {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        let reapers = tasks.filter { task in
            ((try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)) ?? "").hasPrefix("tether-reaper")
        }
        return (tasks.count, reapers.count)
    }
}
