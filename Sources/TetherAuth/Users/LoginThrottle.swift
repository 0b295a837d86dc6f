import Foundation
import NIOConcurrencyHelpers
import TetherCore

/// Slows password guessing: after `maximumFailures` failed logins for one
/// user name within `window`, that name is locked out for `lockout`, whatever
/// password comes next. Kept in memory: a restart forgives, which is fine
/// for a one-minute lockout.
public final class LoginThrottle: Sendable {
    public struct Policy: Sendable {
        public var maximumFailures: Int
        public var window: TimeInterval
        public var lockout: TimeInterval

        public init(maximumFailures: Int = 5, window: TimeInterval = 300, lockout: TimeInterval = 60) {
            self.maximumFailures = maximumFailures
            self.window = window
            self.lockout = lockout
        }
    }

    private struct Record {
        var failures: [Date] = []
        var lockedUntil: Date?
    }

    public let policy: Policy
    private let clock: any WallClock
    private let records = NIOLockedValueBox<[String: Record]>([:])

    public init(policy: Policy = Policy(), clock: any WallClock) {
        self.policy = policy
        self.clock = clock
    }

    /// When the lockout of `user` ends, if it is locked out now.
    public func lockedUntil(_ user: String) -> Date? {
        let now = clock.now()
        return records.withLockedValue { records in
            guard let until = records[user]?.lockedUntil else { return nil }
            if until > now { return until }
            records[user] = nil
            return nil
        }
    }

    /// Counts a failure; returns the end of the lockout if this one started it.
    public func recordFailure(_ user: String) -> Date? {
        let now = clock.now()
        return records.withLockedValue { records in
            var record = records[user] ?? Record()
            record.failures = record.failures.filter { now.timeIntervalSince($0) < policy.window } + [now]
            var started: Date?
            if record.failures.count >= policy.maximumFailures {
                started = now.addingTimeInterval(policy.lockout)
                record = Record(failures: [], lockedUntil: started)
            }
            records[user] = record
            return started
        }
    }

    public func recordSuccess(_ user: String) {
        _ = records.withLockedValue { $0.removeValue(forKey: user) }
    }
}
