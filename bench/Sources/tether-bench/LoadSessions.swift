import Foundation
import NIOConcurrencyHelpers
import TetherClient
import TetherCore

/// `tether-bench sessions TETHER_HOME CLUSTER LOGIN NODE[,NODE...] COUNT OPENING`:
/// COUNT concurrent sessions from one logged-in profile, each as `tether ssh
/// --cluster CLUSTER LOGIN@NODE 'echo up; exec cat'` runs it (the node looked
/// up in the inventory, CONNECT through the proxy, SSH to the node), spread
/// over the NODEs in turn, at most OPENING being set up at a time. Every
/// session stays open until all COUNT have printed `up` or failed; then all
/// get EOF at once, `cat` exits 0 and the sessions close. A session's setup
/// time runs from the start of the call to its first byte of output. Prints
/// `sessions=… up=… errors=… p50_ms=… p99_ms=… max_ms=… all_up_s=… all_closed_s=…`
/// (all_up_s: until every session was up or had failed; errors count
/// failures before and after setup) and, on stderr, each distinct error with
/// how often it happened.
enum LoadSessions {
    /// bench/lib/load.sh finds the load's sessions in the leaf's audit by this command.
    static let command = "echo up; exec cat"

    static func run(home: String, cluster: String, login: String, nodes: [String], count: Int, opening: Int) async throws {
        let client = UserClient(store: ProfileStore(directory: home))
        _ = try client.currentIdentity()  // a missing or expired profile is one error, not COUNT
        let load = LoadState(count: count)
        let slots = OpeningSlots(count: opening)
        let start = ContinuousClock.now
        await withDiscardingTaskGroup { sessions in
            for index in 0..<count {
                await slots.acquire()
                let node = nodes[index % nodes.count]
                sessions.addTask {
                    await session(client, destination: SSHDestination(login: login, node: node), cluster: cluster, load: load, slots: slots)
                }
            }
        }
        let closed = (ContinuousClock.now - start).seconds
        let report = load.report(closedAfter: closed, since: start)
        for (message, times) in report.errors.sorted(by: { $0.value > $1.value }) {
            FileHandle.standardError.write(Data("\(times)× \(message)\n".utf8))
        }
        print(report.line)
    }

    /// One session: settled (up or failed) exactly once, so the barrier
    /// counts it and its opening slot is given back.
    private static func session(
        _ client: UserClient, destination: SSHDestination, cluster: String, load: LoadState, slots: OpeningSlots
    ) async {
        let (input, feed) = AsyncStream<[UInt8]>.makeStream()
        let settled = NIOLockedValueBox(false)
        let begun = ContinuousClock.now
        let settle: @Sendable (Result<Duration, TetherError>) -> Void = { outcome in
            guard settled.withLockedValue({ done in defer { done = true }; return !done }) else {
                if case .failure(let error) = outcome { load.failedLater(error.message) }
                return
            }
            slots.release()
            switch outcome {
            case .success(let setup): load.up(after: setup, feed: feed)
            case .failure(let error): load.failed(error.message, feed: feed)
            }
        }
        let io = SessionIO(
            input: input,
            output: { _ in settle(.success(ContinuousClock.now - begun)) },
            errorOutput: { bytes in settle(.failure(TetherError(.unavailable, "stderr: \(String(decoding: bytes, as: UTF8.self))"))) }
        )
        do {
            let exit = try await client.ssh(
                to: destination, loginFlag: nil, cluster: cluster,
                request: SessionRequest(command: command, terminal: nil), io: io)
            if exit != .exited(0) {
                settle(.failure(TetherError(.unavailable, "the session ended with \(exit).")))
            } else if !settled.withLockedValue({ $0 }) {
                settle(.failure(TetherError(.unavailable, "the session ended before it printed anything.")))
            }
        } catch {
            settle(.failure(error))
        }
    }

    /// Setup times, errors and the barrier that holds every session open
    /// until all have settled.
    private final class LoadState: Sendable {
        private struct State {
            var setups: [Duration] = []
            var errors: [String: Int] = [:]
            var settled = 0
            var allSettled: ContinuousClock.Instant?
            var feeds: [AsyncStream<[UInt8]>.Continuation] = []
        }
        private let count: Int
        private let state = NIOLockedValueBox(State())

        init(count: Int) { self.count = count }

        func up(after setup: Duration, feed: AsyncStream<[UInt8]>.Continuation) {
            settle(feed) { $0.setups.append(setup) }
        }

        func failed(_ message: String, feed: AsyncStream<[UInt8]>.Continuation) {
            settle(feed) { $0.errors[message, default: 0] += 1 }
        }

        /// A session that was up and then failed: an error, already counted by the barrier.
        func failedLater(_ message: String) {
            state.withLockedValue { $0.errors[message, default: 0] += 1 }
        }

        private func settle(_ feed: AsyncStream<[UInt8]>.Continuation, _ record: (inout State) -> Void) {
            let release = state.withLockedValue { state -> [AsyncStream<[UInt8]>.Continuation] in
                record(&state)
                state.settled += 1
                state.feeds.append(feed)
                guard state.settled == count else { return [] }
                state.allSettled = .now
                defer { state.feeds = [] }
                return state.feeds
            }
            for feed in release { feed.finish() }
        }

        func report(closedAfter closed: Double, since start: ContinuousClock.Instant) -> (line: String, errors: [String: Int]) {
            state.withLockedValue { state in
                let setups = state.setups.map { $0.seconds * 1000 }.sorted()
                func percentile(_ p: Int) -> Double {
                    setups.isEmpty ? .nan : setups[min(setups.count - 1, setups.count * p / 100)]
                }
                let errors = state.errors.values.reduce(0, +)
                let allUp = state.allSettled.map { ($0 - start).seconds } ?? .nan
                let line = String(
                    format: "sessions=%d up=%d errors=%d p50_ms=%.0f p99_ms=%.0f max_ms=%.0f all_up_s=%.1f all_closed_s=%.1f",
                    count, setups.count, errors, percentile(50), percentile(99), setups.last ?? .nan, allUp, closed)
                return (line, state.errors)
            }
        }
    }

    /// At most N sessions being set up at once: `acquire` waits for a slot.
    private final class OpeningSlots: Sendable {
        private struct State {
            var free: Int
            var waiting: [CheckedContinuation<Void, Never>] = []
        }
        private let state: NIOLockedValueBox<State>

        init(count: Int) { state = NIOLockedValueBox(State(free: count)) }

        func acquire() async {
            await withCheckedContinuation { continuation in
                let now = state.withLockedValue { state -> Bool in
                    guard state.free > 0 else {
                        state.waiting.append(continuation)
                        return false
                    }
                    state.free -= 1
                    return true
                }
                if now { continuation.resume() }
            }
        }

        func release() {
            let next = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
                guard !state.waiting.isEmpty else {
                    state.free += 1
                    return nil
                }
                return state.waiting.removeFirst()
            }
            next?.resume()
        }
    }
}
