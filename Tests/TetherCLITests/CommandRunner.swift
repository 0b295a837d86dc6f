import Foundation
import TetherTestSupport

/// Runs the built `tetherctl` binary (`swift build --product tetherctl`
/// first) as a child process against a temporary data directory.
struct Tetherctl {
    /// `.build/debug/tetherctl`, found from this file's place in the package.
    static let binary: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug/tetherctl").path

    private let scratch: TemporaryDirectory
    var directory: String { scratch.url.path }
    var config: String { scratch.path("tetherd.yaml") }
    var dataDirectory: String { scratch.path("data") }

    init() throws {
        scratch = try TemporaryDirectory()
        _ = try scratch.write("cluster: acme-dallas\ndata_dir: ./data\nauth: {enabled: true, listen: 127.0.0.1:3025}\n", to: "tetherd.yaml")
    }

    func remove() { scratch.remove() }

    /// Writes `text` to a file in the test directory and returns its path.
    func file(_ name: String, _ text: String) throws -> String { try scratch.write(text, to: name) }

    /// Runs `tetherctl ARGS --config FILE` (or, with `namingTheConfig: false`, just
    /// `tetherctl ARGS`) with `input` on stdin.
    @discardableResult
    func run(_ arguments: [String], input: String = "", namingTheConfig: Bool = true) async throws -> CommandResult {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw SupportError("\(Self.binary) is missing; run `swift build --product tetherctl` before these tests.")
        }
        // tetherd and tetherctl resolve a relative data_dir against the current directory.
        let arguments = namingTheConfig ? arguments + ["--config", config] : arguments
        return try await ProcessSupport.run(Self.binary, arguments, in: scratch, stdin: input, workingDirectory: directory)
    }
}
