import Foundation
import Glibc
import TetherTestSupport
import Testing

/// The harness every end-to-end test stands on: children must not inherit
/// the test process's descriptors (a long-lived tetherd holding another
/// test's pipe open once deadlocked the whole run), and a child that ignores
/// SIGTERM must not hang the teardown.
@Suite struct ChildProcessTests {
    @Test func aChildSeesOnlyItsOwnStandardStreams() throws {
        var leaked: [Int32] = [-1, -1]
        try #require(pipe(&leaked) == 0)
        defer { leaked.forEach { close($0) } }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }

        let listing = try ProcessSupport.run("/bin/ls", ["-l", "/proc/self/fd"], in: directory)

        #expect(listing.status == 0, "\(listing.stderr)")
        #expect(!listing.stdout.contains("pipe:"), "\(listing.stdout)")
    }

    @Test func aChildIgnoringSIGTERMIsKilledAfterTheGracePeriod() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let child = try ChildProcess(
            "/bin/sh", ["-c", "trap '' TERM; echo ready; exec sleep 3600"],
            stdoutPath: directory.path("out"), stderrPath: directory.path("err"))
        // The trap is set once it speaks.
        try #require(await eventually { (try? directory.read("out")) == "ready\n" })

        #expect(await !child.terminate(grace: .milliseconds(200)))
        #expect(!child.isRunning)
        #expect(await child.exitCode() == 128 + SIGKILL)
    }
}
