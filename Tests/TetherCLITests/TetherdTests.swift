import Foundation
import TetherTestSupport
import Testing

/// `tetherd start` as an operator runs it: the built binary.
@Suite(.serialized) struct TetherdTests {
    /// `.build/debug/tetherd`, next to the tetherctl these tests also run.
    static let binary = URL(fileURLWithPath: Tetherctl.binary).deletingLastPathComponent().appendingPathComponent("tetherd").path

    @Test func aTakenPortIsOneSentenceNamingTheAddressAndTheField() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let taken = try ProcessSupport.freePort()
        func configuration(_ name: String, auth: UInt16, proxy: UInt16? = nil) throws -> String {
            try directory.write("""
                cluster: acme
                data_dir: ./\(name)
                auth: {listen: 127.0.0.1:\(auth)}
                \(proxy.map { "proxy: {listen: 127.0.0.1:\($0)}" } ?? "")
                """, to: "\(name).yaml")
        }
        let first = try ChildProcess(
            Self.binary, ["start", "--config", try configuration("first", auth: taken)],
            stdoutPath: directory.path("first.out"), stderrPath: directory.path("first.log"), workingDirectory: directory.url.path)
        do {
            try await ProcessSupport.waitUntilAccepting(port: taken, within: 60)

            // The proxy's port is taken while auth starts: the one sentence
            // comes last, and auth's shutdown is no logged CancellationError.
            let proxy = try await start(try configuration("second", auth: try ProcessSupport.freePort(), proxy: taken), in: directory)
            #expect(proxy.status == 1)
            #expect(lastLine(proxy.stderr)
                == "the proxy cannot listen on 127.0.0.1:\(taken): the port is already in use (another tetherd?); stop what holds it or change proxy.listen.",
                "\(proxy.stderr)")
            #expect(!proxy.stderr.contains("CancellationError"), "\(proxy.stderr)")

            let auth = try await start(try configuration("third", auth: taken), in: directory)
            #expect(auth.status == 1)
            #expect(lastLine(auth.stderr)
                == "the auth service cannot listen on 127.0.0.1:\(taken): the port is already in use (another tetherd?); stop what holds it or change auth.listen.",
                "\(auth.stderr)")
        } catch {
            await first.terminate()
            throw error
        }
        #expect(await first.terminate(), "the first tetherd did not stop on SIGTERM")
    }

    /// Where a failing command's one sentence goes, after any log lines.
    private func lastLine(_ text: String) -> String? {
        text.split(separator: "\n").last.map(String.init)
    }

    /// Runs `tetherd start --config CONFIG` to its end.
    private func start(_ config: String, in directory: TemporaryDirectory) async throws -> CommandResult {
        try await ProcessSupport.run(Self.binary, ["start", "--config", config], in: directory, workingDirectory: directory.url.path)
    }
}
