import Foundation

/// Runs the built `tetherctl` binary (`swift build --product tetherctl`
/// first) as a child process against a temporary data directory.
struct Tetherctl {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// `.build/debug/tetherctl`, found from this file's place in the package.
    static let binary: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug/tetherctl").path

    let directory: String
    var config: String { (directory as NSString).appendingPathComponent("tetherd.yaml") }
    var dataDirectory: String { (directory as NSString).appendingPathComponent("data") }

    init() throws {
        directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("tether-cli-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "cluster: acme-dallas\ndata_dir: ./data\nauth: {enabled: true, listen: 127.0.0.1:3025}\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    /// Writes `text` to a file in the test directory and returns its path.
    func file(_ name: String, _ text: String) throws -> String {
        let path = (directory as NSString).appendingPathComponent(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs `tetherctl ARGS --config FILE` with `input` on stdin.
    @discardableResult
    func run(_ arguments: [String], input: String = "") throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw CLITestError("\(Self.binary) is missing; run `swift build --product tetherctl` before these tests.")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments + ["--config", config]
        // tetherd and tetherctl resolve a relative data_dir against the current directory.
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        // stderr is drained on another thread, so neither pipe can fill up and stall the child.
        let errorReader = BackgroundRead(stderr.fileHandleForReading)
        let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
        let errorData = errorReader.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
                      stderr: String(decoding: errorData, as: UTF8.self))
    }
}

struct CLITestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Reads a file handle to its end on a thread of its own.
final class BackgroundRead: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ handle: FileHandle) {
        Thread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }.start()
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
