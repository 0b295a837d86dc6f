import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The outcome of running a command to completion.
public struct CommandResult {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

public enum ProcessSupport {
    /// Runs `executable` with `arguments` (in `workingDirectory`, or this
    /// process's), waits for it, and captures its output (through files in
    /// `directory`, so neither stream can fill up and block it).
    @available(*, noasync, message: "await the async run, which does not hold a concurrency thread")
    public static func run(
        _ executable: String,
        _ arguments: [String],
        in directory: TemporaryDirectory,
        stdin: String? = nil,
        environment: [String: String] = [:],
        workingDirectory: String? = nil
    ) throws -> CommandResult {
        let (child, output) = try start(executable, arguments, in: directory, stdin: stdin, environment: environment, workingDirectory: workingDirectory)
        return output.result(status: child.wait())
    }

    /// The same, awaiting the exit without blocking a concurrency thread. A
    /// command still running after `limit` (a hang: commands must end on
    /// their own) is killed, and its result says so on stderr.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        in directory: TemporaryDirectory,
        stdin: String? = nil,
        environment: [String: String] = [:],
        workingDirectory: String? = nil,
        limit: Duration = .seconds(300)
    ) async throws -> CommandResult {
        let (child, output) = try start(executable, arguments, in: directory, stdin: stdin, environment: environment, workingDirectory: workingDirectory)
        let exited = await withTaskGroup(of: Int32?.self) { group -> Int32? in
            group.addTask { await child.exitCode() }
            group.addTask {
                try? await Task.sleep(for: limit)  // the deadline, cancelled once the command exits
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            if first == nil { child.kill() }  // the group then awaits its reaping
            return first
        }
        guard let exited else {
            var result = output.result(status: await child.exitCode())
            result.stderr += "\n(\(executable) was still running after \(limit) and was killed)"
            return result
        }
        return output.result(status: exited)
    }

    private struct OutputFiles {
        var stdoutPath: String
        var stderrPath: String

        func result(status: Int32) -> CommandResult {
            CommandResult(
                status: status,
                stdout: (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "",
                stderr: (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            )
        }
    }

    private static func start(
        _ executable: String,
        _ arguments: [String],
        in directory: TemporaryDirectory,
        stdin: String?,
        environment: [String: String],
        workingDirectory: String?
    ) throws -> (ChildProcess, OutputFiles) {
        let name = UUID().uuidString
        let output = OutputFiles(stdoutPath: directory.path("\(name).stdout"), stderrPath: directory.path("\(name).stderr"))
        let stdinPath = try stdin.map { try directory.write($0, to: "\(name).stdin") } ?? "/dev/null"
        let child = try ChildProcess(
            executable, arguments, stdoutPath: output.stdoutPath, stderrPath: output.stderrPath, stdinPath: stdinPath, environment: environment,
            workingDirectory: workingDirectory
        )
        return (child, output)
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    public static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SupportError("socket() failed") }
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard bound else { throw SupportError("bind() to 127.0.0.1:0 failed") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Polls until something accepts TCP connections on 127.0.0.1:`port`.
    @available(*, noasync, message: "await the async waitUntilAccepting, which does not hold a concurrency thread")
    public static func waitUntilAccepting(port: UInt16, within seconds: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if canConnect(port: port) { return }
            usleep(20_000)  // poll interval
        }
        throw SupportError("nothing accepted connections on 127.0.0.1:\(port) within \(seconds)s")
    }

    /// The same, sleeping between polls without holding a concurrency thread.
    public static func waitUntilAccepting(port: UInt16, within seconds: TimeInterval) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if canConnect(port: port) { return }
            try await Task.sleep(for: .milliseconds(20))  // poll interval
        }
        throw SupportError("nothing accepted connections on 127.0.0.1:\(port) within \(seconds)s")
    }

    private static func canConnect(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// The name of the user running the tests (the login sshd will check).
    public static var currentUserName: String { NSUserName() }

    public static func isExecutable(_ path: String) -> Bool { FileManager.default.isExecutableFile(atPath: path) }
}

public struct SupportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
