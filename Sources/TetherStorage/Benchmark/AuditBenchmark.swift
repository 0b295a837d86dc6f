import Foundation
import TetherCore

/// Measures audit append throughput on a fresh database, for the bench
/// executable. Kept here so it exercises exactly the production code path.
public enum AuditBenchmark {
    public struct Result: Sendable, Hashable, CustomStringConvertible {
        public var events: Int
        public var batchSize: Int
        public var seconds: Double
        public var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }
        /// Whether the chain verified after the run, and how long that took.
        public var verified: Bool
        public var verifySeconds: Double

        public var description: String {
            let rate = Int(eventsPerSecond.rounded())
            return "\(events) events in batches of \(batchSize): \(String(format: "%.2f", seconds)) s, \(rate) events/s; "
                + "verify \(verified ? "ok" : "FAILED") in \(String(format: "%.2f", verifySeconds)) s"
        }
    }

    /// Appends `count` typical `session.start` events in batches of `batch`
    /// to a new database at `path` (which must not exist yet), then verifies
    /// the chain. Only the appends are timed; the events are built beforehand.
    public static func run(count: Int, batch: Int, path: String) throws(TetherError) -> Result {
        guard count > 0, batch > 0 else {
            throw TetherError(.invalidArgument, "benchmark count and batch must be positive (got \(count) and \(batch)).")
        }
        guard !FileManager.default.fileExists(atPath: path) else {
            throw TetherError(.invalidArgument, "benchmark database \(path) already exists; give a path to a new file.")
        }
        let store = try SQLiteStore(path: path)
        let events = (0..<count).map(sampleEvent)
        let clock = ContinuousClock()
        let appendStart = clock.now
        for start in stride(from: 0, to: count, by: batch) {
            try store.append(Array(events[start..<min(start + batch, count)]))
        }
        let appendTime = clock.now - appendStart
        let verifyStart = clock.now
        let verification = try store.verify()
        let verifyTime = clock.now - verifyStart
        return Result(
            events: count, batchSize: batch, seconds: appendTime.seconds,
            verified: verification.recordCount == Int64(count), verifySeconds: verifyTime.seconds)
    }

    private static func sampleEvent(_ index: Int) -> AuditEvent {
        AuditEvent(
            event: "session.start", time: Date(timeIntervalSince1970: 1_750_000_000 + Double(index) / 10),
            cluster: "acme-dallas", user: "user\(index % 50)", login: "diagnostics", node: "robot-\(index % 1000)",
            nodeLabels: ["customer": "acme", "region": "us-central", "firmware": "3.2.1"],
            sessionID: UUID().uuidString, remoteAddr: "203.0.113.\(index % 250):52144", roles: ["acme-field-tech"],
            fields: ["server_id": .string("node-\(index % 1000)"), "size": "80:25"])
    }
}

extension Duration {
    fileprivate var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
