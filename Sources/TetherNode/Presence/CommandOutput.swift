import Foundation
import Glibc
import TetherCore

/// Runs a short command (a command label) without a shell and returns its
/// standard output, on a thread of its own so no event loop or task
/// executor blocks; the process is killed when `timeout` passes.
enum CommandOutput {
    static let maximumBytes = 4096

    static func run(_ command: [String], timeout: Duration) async throws(TetherError) -> String {
        guard let name = command.first, let executable = resolve(name) else {
            throw TetherError(.notFound, "command \(command.first ?? "(empty)") was not found in /usr/local/bin, /usr/bin, /bin, /usr/sbin or /sbin; give its full path.")
        }
        let process = try ProcessSpawner.spawn(SpawnRequest(
            executable: executable, arguments: command,
            environment: ["PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C"],
            workingDirectory: "/"
        ))
        let result: Result<String, TetherError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: collect(process, command: command, deadline: ContinuousClock.now + timeout))
            }
            thread.name = "tether-command-label"
            thread.start()
        }
        return try result.get()
    }

    private static func resolve(_ name: String) -> String? {
        if name.contains("/") { return name }
        return ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"]
            .map { "\($0)/\(name)" }
            .first { access($0, X_OK) == 0 }
    }

    /// Reads stdout (stderr is drained and dropped) until both end or the deadline.
    private static func collect(_ process: SpawnedProcess, command: [String], deadline: ContinuousClock.Instant) -> Result<String, TetherError> {
        if let input = process.standardInput { close(input) }
        var open = [process.standardOutput, process.standardError].compactMap { $0 }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        var timedOut = false
        while !open.isEmpty {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else {
                timedOut = true
                process.handle.signal(SIGKILL)
                break
            }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let milliseconds = Int32(clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000)
            guard poll(&fds, nfds_t(fds.count), max(1, milliseconds)) >= 0 || errno == EINTR else { break }
            for entry in fds where entry.revents != 0 {
                let count = read(entry.fd, &buffer, buffer.count)
                if count > 0 {
                    if entry.fd == process.standardOutput, output.count < maximumBytes { output += buffer[0..<count] }
                } else if count == 0 || errno != EINTR {
                    close(entry.fd)
                    open.removeAll { $0 == entry.fd }
                }
            }
        }
        open.forEach { _ = close($0) }
        let exit = process.handle.waitForExit()
        let joined = command.joined(separator: " ")
        if timedOut { return .failure(TetherError(.unavailable, "command label `\(joined)` did not finish in time and was killed.")) }
        guard exit == .exited(0) else { return .failure(TetherError(.unavailable, "command label `\(joined)` failed (\(exit)).")) }
        return .success(String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
