import Foundation
import TetherCore
import TetherIdentity
import TetherStorage

/// Benchmarks that need no network: `tether-bench audit [EVENTS] [BATCH]`
/// and `tether-bench certs [COUNT]`. Run in release mode:
/// `swift run -c release tether-bench audit`.
@main
struct TetherBench {
    static func main() throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch arguments.first {
        case "audit":
            try audit(events: integer(arguments, 1, default: 100_000), batch: integer(arguments, 2, default: 1_000))
        case "certs":
            try certificates(count: integer(arguments, 1, default: 5_000))
        default:
            print("usage: tether-bench audit [EVENTS] [BATCH] | certs [COUNT]")
            exit(2)
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
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
