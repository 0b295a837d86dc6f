import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import TetherCore
import TetherStorage

/// Tells waiters when roles, users or locks change. SQLite has no change
/// notification across processes, and `tetherctl` writes the database file
/// itself, so one loop per auth service reads the policy generation (one
/// row, bumped by a trigger on every such write) every `period` and wakes
/// everyone waiting for a generation other than the one they hold: nodes'
/// long polls of the access policy, and the root proxy's lock publisher.
/// The cost is one tiny read per period, however many nodes wait.
public final class PolicyWatch: Sendable {
    private struct State {
        var generation: Int64?
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
        var released = false
    }

    private let store: SQLiteStore
    private let period: Duration
    private let state = NIOLockedValueBox(State())

    /// How often the generation is read: the bound on how late a change is seen.
    public static let defaultPeriod: Duration = .milliseconds(200)

    public init(store: SQLiteStore, period: Duration = PolicyWatch.defaultPeriod) {
        self.store = store
        self.period = period
    }

    /// The generation now, read from the database.
    public func currentGeneration() throws(TetherError) -> Int64 {
        try store.policyGeneration()
    }

    /// Reads the generation until cancelled, waking waiters when it moves.
    /// The reads run on a thread of their own, so a burst of logins
    /// hashing passwords on the shared pool cannot hold a change back.
    public func run() async {
        let reader = NIOThreadPool(numberOfThreads: 1)
        reader.start()
        defer { reader.shutdownGracefully { _ in } }
        await repeatEvery(period) {
            guard let generation = try? await reader.runIfActive({ try self.store.policyGeneration() }) else { return }
            let woken = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
                guard state.generation != generation else { return [] }
                state.generation = generation
                defer { state.waiters = [:] }
                return Array(state.waiters.values)
            }
            woken.forEach { $0.resume() }
        }
    }

    /// Answers every wait now and every later one at once: on shutdown, so
    /// no held request keeps the server from stopping.
    public func releaseWaiters() {
        let waiting = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.released = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        waiting.forEach { $0.resume() }
    }

    /// Returns once the generation differs from `known` (true), or after
    /// `limit` (false: the caller then answers with what it has, a full
    /// refresh), or when the task is cancelled or the waiters released.
    @discardableResult
    public func waitForChange(from known: Int64, limit: Duration) async -> Bool {
        let id = UUID()
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let resumeNow = self.state.withLockedValue { state -> Bool in
                            // Checked under the lock, so a cancellation either sees the waiter or stops it here.
                            if Task.isCancelled || state.released { return true }
                            if let generation = state.generation, generation != known { return true }
                            state.waiters[id] = continuation
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                } onCancel: {
                    self.state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume()
                }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let changed = await group.next() ?? false
            group.cancelAll()
            return changed
        }
    }
}
