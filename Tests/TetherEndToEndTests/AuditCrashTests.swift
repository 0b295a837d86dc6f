import Foundation
import TetherTestSupport
import Testing

/// Issue 11: a node killed mid-session (kill -9, power loss) closes that
/// session in the audit when it starts again, and its recording plays back
/// as far as it was saved, saying it is incomplete.
@Suite struct AuditCrashTests {
    @Test func aSessionCutByANodeCrashIsClosedAtRestartAndPlaysBackAsIncomplete() async throws {
        try await ClusterFixture().use { cluster in
            #expect(try await cluster.loginAlice().status == 0)
            #expect(try await eventually { try await cluster.tether(["ls"]).stdout.contains("robot-1") })
            // The remote sleep outlives the test: only the crash ends the session.
            let session = try cluster.startTether(["ssh", "\(cluster.login)@robot-1", "echo before-crash-$((6*7)); sleep 600"])
            defer { session.kill() }

            // The recording so far reaches auth (the node writes it every second).
            var sessionID: String?
            #expect(try await eventually {
                sessionID = try await cluster.sessionIDs().first
                guard let sessionID else { return false }
                let chunks = try await cluster.tetherctl(["audit", "search", "--type", "session.data", "--format", "json"]).stdout
                return chunks.contains(sessionID)
            })
            let id = try #require(sessionID)

            await cluster.crash("robot-1")
            #expect(try await cluster.sessionIDs(with: "session.end").isEmpty)
            try cluster.restartNode("robot-1")
            #expect(try await eventually { try await cluster.sessionIDs(with: "session.end") == [id] })
            let end = try await cluster.tetherctl(["audit", "search", "--type", "session.end", "--format", "json"]).stdout
            #expect(end.contains("node restarted"), "\(end)")
            #expect(end.contains("incomplete"), "\(end)")

            let playback = try await cluster.tether(["play", id, "--speed", "0"])
            #expect(playback.status == 0, "\(playback.stderr)")
            #expect(playback.stdout.contains("before-crash-42"))
            #expect(playback.stderr.contains("the recording of session \(id) is incomplete (node restarted)"), "\(playback.stderr)")
        }
    }
}
