import Foundation
import Glibc
import Testing
import TetherCore
@testable import TetherNode

@Suite struct ProcessSpawnerTests {
    @Test func pipesCarryOutputErrorsAndExitStatus() throws {
        let process = try ProcessSpawner.spawn(SpawnRequest(
            executable: "/bin/sh",
            arguments: ["sh", "-c", "read line; echo \"out:$line\"; echo err >&2; exit 7"],
            environment: ["PATH": "/usr/bin:/bin"]
        ))
        let input = try #require(process.standardInput)
        writeAll(input, "hello\n")
        close(input)
        #expect(readToEnd(try #require(process.standardOutput)) == "out:hello\n")
        #expect(readToEnd(try #require(process.standardError)) == "err\n")
        #expect(process.handle.waitForExit() == .exited(7))
    }

    @Test func terminalIsControllingAndResizable() throws {
        let process = try ProcessSpawner.spawn(SpawnRequest(
            executable: "/bin/sh",
            arguments: ["sh", "-c", "stty size; read resized; stty size; tty"],
            environment: ["PATH": "/usr/bin:/bin", "TERM": "xterm"],
            terminal: WindowSize(columns: 80, rows: 24)
        ))
        let terminal = try #require(process.terminal)
        #expect(readUntil(terminal, contains: "24 80").contains("24 80"))
        try ProcessSpawner.resize(terminal: terminal, to: WindowSize(columns: 132, rows: 50))
        writeAll(terminal, "go\n")
        let output = readToEnd(terminal)
        #expect(output.contains("50 132"))
        #expect(output.contains("/dev/pts/"))
        #expect(process.handle.waitForExit() == .exited(0))
    }

    @Test func dropsToTheRequestedAccount() throws {
        guard getuid() == 0 else { return }  // only root may switch users
        let nobody = try LocalAccount.lookup("nobody")
        let process = try ProcessSpawner.spawn(SpawnRequest(
            executable: "/usr/bin/id",
            arguments: ["id", "-u"],
            workingDirectory: "/",
            account: nobody
        ))
        close(try #require(process.standardInput))
        #expect(readToEnd(try #require(process.standardOutput)) == "\(nobody.uid)\n")
        #expect(process.handle.waitForExit() == .exited(0))
    }

    @Test func missingProgramIsAnErrorNotAnExitStatus() {
        #expect(throws: TetherError.self) {
            try ProcessSpawner.spawn(SpawnRequest(executable: "/nonexistent/program", arguments: ["x"]))
        }
    }

    @Test func unknownLoginIsNamed() {
        #expect(throws: TetherError.self) { try LocalAccount.lookup("no-such-user-tether") }
    }
}

private func writeAll(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)
    while !bytes.isEmpty {
        let written = write(fd, bytes, bytes.count)
        if written <= 0 { return }
        bytes.removeFirst(written)
    }
}

/// Reads until the output holds `marker` or the stream ends.
private func readUntil(_ fd: Int32, contains marker: String) -> String {
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while !String(decoding: output, as: UTF8.self).contains(marker) {
        let count = read(fd, &buffer, buffer.count)
        if count > 0 { output += buffer[0..<count]; continue }
        if count < 0, errno == EINTR { continue }
        break
    }
    return String(decoding: output, as: UTF8.self)
}

/// Reads until EOF (a PTY master reports EIO once the child side is gone).
private func readToEnd(_ fd: Int32) -> String {
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(fd, &buffer, buffer.count)
        if count > 0 { output += buffer[0..<count]; continue }
        if count < 0, errno == EINTR { continue }
        break
    }
    close(fd)
    return String(decoding: output, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
}
