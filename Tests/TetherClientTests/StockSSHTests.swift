import Foundation
import TetherClient
import TetherTestSupport
import Testing

/// Stock OpenSSH through `tether config`: ssh → ProxyCommand `tether proxy
/// ssh` (the built binary) → the fake proxy's CONNECT → the fake node.
@Suite struct StockSSHTests {
    /// The `tether` binary SwiftPM built next to the test bundle.
    static let tetherBinary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tether").path
    static let available = FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh") && FileManager.default.isExecutableFile(atPath: tetherBinary)

    @Test(.enabled(if: available, "needs /usr/bin/ssh and the built tether binary"))
    func stockSSHRunsACommandThroughTheGeneratedConfig() async throws {
        try await ClientFixture.with { fixture in
            try await fixture.logIn()
            let configPath = fixture.home.path("ssh_config")
            try await fixture.client.openSSHConfig(tetherPath: Self.tetherBinary).write(toFile: configPath, atomically: true, encoding: .utf8)

            let (status, errors) = try await Self.run("/usr/bin/ssh", ["-F", configPath, "-o", "BatchMode=yes", "diagnostics@robot-17.acme", "exit 7"])

            #expect(status == 7, "ssh said: \(errors)")
            let connect = try #require(fixture.proxy.connects.withLockedValue { $0 }.first)
            #expect(connect.target == "robot-17:0")
            #expect(connect.headers["tether-login"] == "diagnostics")
            #expect(fixture.node.logins.withLockedValue { $0 }.map(\.login) == ["diagnostics"])
        }
    }

    private static func run(_ executable: String, _ arguments: [String]) async throws -> (Int32, String) {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try await ProcessSupport.run(executable, arguments, in: directory)
        return (result.status, result.stderr)
    }
}

/// The `tether` binary itself, as a user runs it: exit statuses, pipes.
@Suite struct TetherBinaryTests {
    private func tether(_ arguments: [String], home: String, input: String? = nil) async throws -> CommandResult {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        return try await ProcessSupport.run(
            StockSSHTests.tetherBinary, arguments, in: directory, stdin: input, environment: ["TETHER_HOME": home])
    }

    @Test(.enabled(if: StockSSHTests.available, "needs the built tether binary"))
    func sshPropagatesStatusAndPipesStandardStreams() async throws {
        try await ClientFixture.with { fixture in
            try await fixture.logIn()
            let home = fixture.client.store.directory

            let exit = try await tether(["ssh", "root@robot-17", "exit", "7"], home: home)
            #expect(exit.status == 7, "stderr: \(exit.stderr)")

            let cat = try await tether(["ssh", "robot-17", "cat"], home: home, input: "through a pipe\n")
            #expect(cat.status == 0, "stderr: \(cat.stderr)")
            #expect(cat.stdout == "through a pipe\n")

            let both = try await tether(["ssh", "-l", "root", "robot-17", "both"], home: home)
            #expect(both.stdout == "to stdout\n")
            #expect(both.stderr == "to stderr\n")
        }
    }

    @Test(.enabled(if: StockSSHTests.available, "needs the built tether binary"))
    func errorsAreOneSentenceAndNonZero() async throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let result = try await tether(["ls"], home: home.url.path)
        #expect(result.status == 1)
        #expect(result.stderr == "you are not logged in (no profile in \(home.url.path)); run tether login --proxy HOST:PORT --user NAME.\n")
    }

    @Test(.enabled(if: StockSSHTests.available, "needs the built tether binary"))
    func statusShowsAnExpiredLoginAndFails() async throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let store = ProfileStore(directory: home.url.path)
        let cluster = try TestCluster()
        try store.save(try cluster.aliceIdentity())
        #expect(try await tether(["status"], home: store.directory).status == 0)

        try store.save(try cluster.aliceIdentity(expires: 1_000_000_000))
        let sentence = "your certificate expired at 2001-09-09T01:46:40Z; log in again with tether login --proxy 127.0.0.1:3080 --user alice.\n"
        let text = try await tether(["status"], home: store.directory)
        #expect(text.status == 1)
        #expect(text.stdout.contains("Expires:  EXPIRED at 2001-09-09T01:46:40Z\n"), "\(text.stdout)")
        #expect(text.stderr == sentence)
        let json = try await tether(["status", "--format", "json"], home: store.directory)
        #expect(json.status == 1)
        let status = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(status["expired"] as? Bool == true)
        #expect(json.stderr == sentence)
    }

    @Test(.enabled(if: StockSSHTests.available, "needs the built tether binary"))
    func aProxyThatIsNotRunningIsOneSentence() async throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let port = try ProcessSupport.freePort()
        try ProfileStore(directory: home.url.path).save(try TestCluster().aliceIdentity(proxyAddress: "127.0.0.1:\(port)"))
        let result = try await tether(["ls"], home: home.url.path)
        #expect(result.status == 1)
        #expect(result.stderr == "nothing is listening on 127.0.0.1:\(port) (connection refused); is the proxy running and is the --proxy you logged in with right?\n")
    }
}
