import Foundation
import TetherClient
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
            let configPath = fixture.home.path + "/ssh_config"
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
        let result = try await ProcessRun.run(executable, arguments)
        return (result.status, result.errors)
    }
}

/// The `tether` binary itself, as a user runs it: exit statuses, pipes.
@Suite struct TetherBinaryTests {
    private func tether(_ arguments: [String], home: String, input: String? = nil) async throws -> ProcessRun.Result {
        try await ProcessRun.run(StockSSHTests.tetherBinary, arguments, environment: ["TETHER_HOME": home], input: input)
    }

    @Test(.enabled(if: StockSSHTests.available, "needs the built tether binary"))
    func sshPropagatesStatusAndPipesStandardStreams() async throws {
        try await ClientFixture.with { fixture in
            try await fixture.logIn()
            let home = fixture.client.store.directory

            let exit = try await tether(["ssh", "root@robot-17", "exit", "7"], home: home)
            #expect(exit.status == 7, "stderr: \(exit.errors)")

            let cat = try await tether(["ssh", "robot-17", "cat"], home: home, input: "through a pipe\n")
            #expect(cat.status == 0, "stderr: \(cat.errors)")
            #expect(cat.output == "through a pipe\n")

            let both = try await tether(["ssh", "-l", "root", "robot-17", "both"], home: home)
            #expect(both.output == "to stdout\n")
            #expect(both.errors == "to stderr\n")
        }
    }

    @Test(.enabled(if: StockSSHTests.available, "needs the built tether binary"))
    func errorsAreOneSentenceAndNonZero() async throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let result = try await tether(["ls"], home: home.path)
        #expect(result.status == 1)
        #expect(result.errors == "you are not logged in (no profile in \(home.path)); run tether login --proxy HOST:PORT --user NAME.\n")
    }
}

/// Runs a program to completion, collecting its output.
enum ProcessRun {
    struct Result {
        var status: Int32
        var output: String
        var errors: String
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let finished = AsyncStream<Int32> { continuation in
            process.terminationHandler = { continuation.yield($0.terminationStatus); continuation.finish() }
        }
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        // Drain both pipes before waiting, so a chatty child never blocks on a full pipe.
        async let outputText = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        async let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let texts = await (outputText, errorText)
        var status: Int32 = -1
        for await code in finished { status = code }
        return Result(status: status, output: texts.0, errors: texts.1)
    }
}
