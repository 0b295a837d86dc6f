import Foundation
import NIOConcurrencyHelpers
import TetherAPI
import TetherAuth
import TetherCore
import TetherStorage
import TetherTestSupport
import Testing

/// Login throttling by user and by address, ahead of any password hash,
/// and the bounded threads logins hash on.
struct LoginThrottleTests {
    @Test func failuresFromOneAddressLockItOutBeforeAnyPasswordIsChecked() throws {
        let fixture = try Fixture()
        try fixture.addFieldTech()
        let keys = ClientKeys()
        let attacker = "203.0.113.5"
        // Made-up names: no single user reaches its own limit, the address does.
        for index in 0..<LoginThrottle.Policy().maximumFailuresPerAddress {
            #expect(throws: TetherError.self) { try fixture.core.login.login(keys.loginRequest(user: "guess-\(index)"), remoteAddress: attacker) }
        }
        let locked = try #require(throws: TetherError.self) {
            try fixture.core.login.login(keys.loginRequest(), remoteAddress: attacker)
        }
        #expect(locked.code == .accessDenied)
        #expect(locked.message == "too many failed logins from your address \(attacker); wait a minute and try again.")
        // The right password was refused unchecked: the audit names the lockout, not a password.
        let refusal = try #require(try fixture.core.store.search(AuditQuery(types: [AuthEvent.userLoginFailed], order: .newestFirst)).first)
        #expect(refusal.event.user == "alice")
        #expect(refusal.event.fields["reason"]?.stringValue?.hasPrefix("too many failed logins from \(attacker)") == true)
        let lockout = try #require(try fixture.core.store.search(AuditQuery(types: [AuthEvent.userLoginLocked])).first)
        #expect(lockout.event.fields["locked_address"]?.stringValue == attacker)
        #expect(lockout.event.remoteAddr == attacker)

        // Another address is not held back; the locked one is let go after the lockout.
        #expect(try fixture.core.login.login(keys.loginRequest(), remoteAddress: "198.51.100.9").user == "alice")
        fixture.clock.advance(seconds: 61)
        #expect(try fixture.core.login.login(keys.loginRequest(), remoteAddress: attacker).user == "alice")
    }

    @Test func recordsWithNothingLeftToRememberArePruned() {
        let clock = SteppingClock()
        let throttle = LoginThrottle(policy: LoginThrottle.Policy(maximumFailures: 3, window: 300, lockout: 60), clock: clock)
        for index in 0..<1000 {
            _ = throttle.recordFailure(user: "name-\(index)", address: "10.0.\(index / 256).\(index % 256)")
        }
        #expect(throttle.count == 2000)
        // A lockout started late in the window outlives it.
        for _ in 0..<3 { _ = throttle.recordFailure(user: "bob", address: nil) }
        clock.advance(seconds: 299)
        for _ in 0..<3 { _ = throttle.recordFailure(user: "carol", address: nil) }

        clock.advance(seconds: 2)
        #expect(throttle.lockout(user: "carol", address: nil)?.0 == .user("carol"))
        #expect(throttle.count == 1)
        clock.advance(seconds: 300)
        #expect(throttle.lockout(user: "carol", address: nil) == nil)
        #expect(throttle.count == 0)
    }

    @Test func loginWorkersRefuseAtOnceWhenEveryThreadAndQueuePlaceIsTaken() async throws {
        let workers = LoginWorkers(threads: 1, queue: 1)
        let gate = DispatchSemaphore(value: 0)
        let started = NIOLockedValueBox(0)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for job in 1...2 {
                group.addTask {
                    try await workers.run {
                        started.withLockedValue { $0 += 1 }
                        gate.wait()  // on the login thread, never a cooperative one
                        return job
                    }
                }
            }
            #expect(await eventually { started.withLockedValue { $0 } == 1 && workers.admitted == 2 })
            // One hashing, one waiting: the third is refused without waiting.
            let busy = await #expect(throws: TetherError.self) {
                try await eventuallyRefused(workers)
            }
            #expect(busy == LoginWorkers.busy)
            gate.signal()
            gate.signal()
            var finished: [Int] = []
            for try await job in group { finished.append(job) }
            #expect(finished.sorted() == [1, 2])
        }
        #expect(try await workers.run { 3 } == 3)
        await workers.shutdown()
    }
}

/// A third login while two are admitted: refused, never run.
private func eventuallyRefused(_ workers: LoginWorkers) async throws {
    _ = try await workers.run { Issue.record("a login ran past a full queue") }
}
