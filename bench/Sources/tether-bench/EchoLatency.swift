import Foundation
import Glibc
import TetherCore

/// `tether-bench echo COUNT COMMAND [ARG...]`: starts COMMAND, which must
/// echo its standard input (`tether ssh node cat`, `ssh host cat`), and times
/// COUNT round trips of one byte: write it, read it back. The first round
/// trips wait for the session to come up, so they are a warm-up, not samples.
/// Prints `p50_us=… p99_us=… count=…`.
enum EchoLatency {
    static let warmUp = 50

    static func run(count: Int, command: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let writeEnd = input.fileHandleForWriting.fileDescriptor
        let readEnd = output.fileHandleForReading.fileDescriptor

        var samples: [UInt64] = []
        samples.reserveCapacity(count)
        for round in 0..<(warmUp + count) {
            let start = monotonicNanoseconds()
            try roundTrip(writeEnd: writeEnd, readEnd: readEnd, round: round, command: command)
            if round >= warmUp { samples.append(monotonicNanoseconds() - start) }
        }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()

        samples.sort()
        let p50 = Double(samples[samples.count / 2]) / 1000
        let p99 = Double(samples[min(samples.count - 1, samples.count * 99 / 100)]) / 1000
        print(String(format: "p50_us=%.0f p99_us=%.0f count=%d", p50, p99, samples.count))
    }

    private static func roundTrip(writeEnd: Int32, readEnd: Int32, round: Int, command: [String]) throws {
        var byte = UInt8(ascii: "x")
        guard write(writeEnd, &byte, 1) == 1 else {
            throw TetherError(.unavailable, "cannot write to `\(command.joined(separator: " "))` after \(round) round trips (errno \(errno)).")
        }
        var reply: UInt8 = 0
        var got = 0
        repeat { got = read(readEnd, &reply, 1) } while got < 0 && errno == EINTR
        guard got == 1 else {
            throw TetherError(.unavailable, "`\(command.joined(separator: " "))` stopped echoing after \(round) round trips; run it by hand to see why.")
        }
    }

    static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
