import Foundation
import TetherCore
import TetherIdentity
import TetherStorage

/// Benchmarks and the load tools `bench/run` drives. Run in release mode
/// (`swift build -c release --product tether-bench`).
@main
struct TetherBench {
    static let usage = """
        usage: tether-bench audit [EVENTS] [BATCH]
               tether-bench certs [COUNT]
               tether-bench echo COUNT COMMAND [ARG...]
               tether-bench tunnels DATA_DIR CLUSTER PROXY_HOST:PORT COUNT
               tether-bench relay LISTEN_PORT TARGET_HOST:PORT
               tether-bench logins PROXY_HOST:PORT USER COUNT CONCURRENCY   (password on stdin)
               tether-bench sessions TETHER_HOME CLUSTER LOGIN NODE[,NODE...] COUNT OPENING
               tether-bench stall PROXY_HOST:PORT COUNT SOURCES SECONDS
        """

    static func main() async {
        signal(SIGPIPE, SIG_IGN)  // a child or peer that went away is an error to report, not a crash
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            switch arguments.first {
            case "audit":
                try audit(events: integer(arguments, 1, default: 100_000), batch: integer(arguments, 2, default: 1_000))
            case "certs":
                try certificates(count: integer(arguments, 1, default: 5_000))
            case "echo" where arguments.count >= 3:
                try EchoLatency.run(count: try required(arguments, 1), command: Array(arguments.dropFirst(2)))
            case "tunnels" where arguments.count == 5:
                try await IdleTunnels.run(
                    dataDirectory: arguments[1], cluster: arguments[2], proxy: try HostPort(parsing: arguments[3]),
                    count: try required(arguments, 4))
            case "relay" where arguments.count == 3:
                try BlackholeRelay.run(listenPort: try required(arguments, 1), target: try HostPort(parsing: arguments[2]))
            case "logins" where arguments.count == 5:
                let password = readLine(strippingNewline: true) ?? ""
                try await LoginRate.run(
                    proxy: try HostPort(parsing: arguments[1]), user: arguments[2], password: password,
                    count: try required(arguments, 3), concurrency: try required(arguments, 4))
            case "sessions" where arguments.count == 7:
                try await LoadSessions.run(
                    home: arguments[1], cluster: arguments[2], login: arguments[3],
                    nodes: arguments[4].split(separator: ",").map(String.init),
                    count: try required(arguments, 5), opening: try required(arguments, 6))
            case "stall" where arguments.count == 5:
                try StalledHandshakes.run(
                    proxy: try HostPort(parsing: arguments[1]), count: try required(arguments, 2),
                    sources: try required(arguments, 3), seconds: try required(arguments, 4))
            default:
                FileHandle.standardError.write(Data((usage + "\n").utf8))
                exit(2)
            }
        } catch {
            FileHandle.standardError.write(Data("tether-bench \(arguments.first ?? ""): \(error)\n".utf8))
            exit(1)
        }
    }

    /// Appends EVENTS audit events in batches to a fresh SQLite file, then verifies the chain.
    static func audit(events: Int, batch: Int) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tether-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let result = try AuditBenchmark.run(count: events, batch: batch, path: directory.appendingPathComponent("bench.sqlite").path)
        print(result)
    }

    /// Signs COUNT SSH user certificates with an Ed25519 CA: the signing part
    /// of a login or a trusted-cluster translation (no password hashing).
    static func certificates(count: Int) throws {
        let authority = SSHCertificateAuthority(signingKey: .generate(.ed25519), clock: SystemWallClock())
        let userKey = SSHPrivateKey.generate(.ed25519).publicKey
        let identity = TetherCertificateIdentity(user: "alice", cluster: "bench", roles: ["access"], traits: ["logins": ["root"]])
        let start = ContinuousClock.now
        for _ in 0..<count {
            _ = try authority.issueUserCertificate(for: userKey, identity: identity, principals: ["root"], ttl: .hours(8))
        }
        let seconds = (ContinuousClock.now - start).seconds
        print(String(format: "%d certificates in %.3f s: %.0f certificates/s", count, seconds, Double(count) / seconds))
    }

    private static func integer(_ arguments: [String], _ index: Int, default value: Int) -> Int {
        index < arguments.count ? Int(arguments[index]) ?? value : value
    }

    private static func required(_ arguments: [String], _ index: Int) throws(TetherError) -> Int {
        guard let value = Int(arguments[index]), value > 0 else {
            throw TetherError(.invalidArgument, "\"\(arguments[index])\" is not a positive whole number.")
        }
        return value
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
