import Foundation
import NIOConcurrencyHelpers
import TetherCore

/// Slows password guessing, before any password is hashed: after
/// `maximumFailures` failed logins for one user name, or
/// `maximumFailuresPerAddress` from one address, within `window`, that name
/// or address is locked out for `lockout`, whatever password comes next.
/// Kept in memory: a restart forgives, which is fine for a one-minute
/// lockout. Records with nothing left to remember are pruned once per
/// window, so a stream of made-up names or addresses cannot grow it
/// without bound.
public final class LoginThrottle: Sendable {
    public struct Policy: Sendable, Equatable {
        public var maximumFailures: Int
        public var maximumFailuresPerAddress: Int
        public var window: TimeInterval
        public var lockout: TimeInterval

        public init(maximumFailures: Int = 5, maximumFailuresPerAddress: Int = 20, window: TimeInterval = 300, lockout: TimeInterval = 60) {
            self.maximumFailures = maximumFailures
            self.maximumFailuresPerAddress = maximumFailuresPerAddress
            self.window = window
            self.lockout = lockout
        }
    }

    /// Who failed: a user name, or the address the attempts came from.
    public enum Subject: Hashable, Sendable {
        case user(String)
        case address(String)
    }

    private struct Record {
        var failures: [Date] = []
        var lockedUntil: Date?

        func isForgotten(at now: Date, window: TimeInterval) -> Bool {
            (lockedUntil.map { $0 <= now } ?? true) && failures.allSatisfy { now.timeIntervalSince($0) >= window }
        }
    }

    private struct Records {
        var bySubject: [Subject: Record] = [:]
        var lastPruned: Date
    }

    public let policy: Policy
    private let clock: any WallClock
    private let records: NIOLockedValueBox<Records>

    public init(policy: Policy = Policy(), clock: any WallClock) {
        self.policy = policy
        self.clock = clock
        records = NIOLockedValueBox(Records(lastPruned: clock.now()))
    }

    /// The lockout a login by `user` from `address` meets now, if any (the
    /// address's first), with when it ends.
    public func lockout(user: String, address: String?) -> (Subject, until: Date)? {
        let now = clock.now()
        let subjects = (address.map { [Subject.address($0)] } ?? []) + [.user(user)]
        return withRecords(at: now) { records in
            for subject in subjects {
                guard let until = records[subject]?.lockedUntil else { continue }
                if until > now { return (subject, until) }
                records[subject]?.lockedUntil = nil
            }
            return nil
        }
    }

    /// Counts a failure for `user` and `address`; returns the lockouts it started.
    public func recordFailure(user: String, address: String?) -> [(Subject, until: Date)] {
        let now = clock.now()
        let subjects = [Subject.user(user)] + (address.map { [Subject.address($0)] } ?? [])
        return withRecords(at: now) { records in
            subjects.compactMap { subject in
                var record = records[subject] ?? Record()
                record.failures = record.failures.filter { now.timeIntervalSince($0) < policy.window } + [now]
                var started: (Subject, until: Date)?
                if record.failures.count >= maximumFailures(of: subject) {
                    let until = now.addingTimeInterval(policy.lockout)
                    record = Record(failures: [], lockedUntil: until)
                    started = (subject, until)
                }
                records[subject] = record
                return started
            }
        }
    }

    /// A user who logged in starts afresh; their address does not (many
    /// users may share it, and one success says nothing of the others).
    public func recordSuccess(_ user: String) {
        _ = records.withLockedValue { $0.bySubject.removeValue(forKey: .user(user)) }
    }

    public func maximumFailures(of subject: Subject) -> Int {
        switch subject {
        case .user: policy.maximumFailures
        case .address: policy.maximumFailuresPerAddress
        }
    }

    /// How many names and addresses it remembers now.
    public var count: Int { records.withLockedValue { $0.bySubject.count } }

    private func withRecords<T>(at now: Date, _ body: (inout [Subject: Record]) -> T) -> T {
        records.withLockedValue { records in
            if now.timeIntervalSince(records.lastPruned) >= policy.window {
                records.bySubject = records.bySubject.filter { !$0.value.isForgotten(at: now, window: policy.window) }
                records.lastPruned = now
            }
            return body(&records.bySubject)
        }
    }
}
