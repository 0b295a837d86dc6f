import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
import TetherCore

/// Audit events that could not be written: counted from `since`, with the
/// last reason, until a write succeeds and records them as `audit.lost`.
public struct AuditLoss: Sendable, Equatable {
    public var events: Int
    public var since: Date
    public var reason: String

    public init(events: Int, since: Date, reason: String) {
        self.events = events
        self.since = since
        self.reason = reason
    }

    /// Both losses as one: the counts added, the earlier start, `other`'s reason.
    public func adding(_ other: AuditLoss) -> AuditLoss {
        AuditLoss(events: events + other.events, since: min(since, other.since), reason: other.reason)
    }
}

/// Audit events on their way to storage. Event-loop code hands them over
/// without waiting; `run()` (a `Service`) writes them in the order they
/// were queued, batch after batch, on a thread of its own, so no event loop
/// and no cooperative thread ever waits for SQLite.
///
/// Bounded at `capacity` queued events. `enqueue` (fire and forget, for
/// code that cannot wait) never blocks: events that find the queue full,
/// or the sink stopped, are not queued but counted, with a log line when a
/// loss begins; the next write carries that count (`AuditLoss`) for the
/// writer to record as `audit.lost` in the same transaction. `write` and
/// `submit` (for producers that can wait and must know the outcome, such as
/// a session that may not start unaudited) wait for room instead, then for
/// their events' write, and fail if it failed. A failed write loses its
/// batch: it is logged, failed to those waiting on it, and counted into the
/// next `audit.lost`. Graceful shutdown (or cancellation) stops taking new
/// events and returns once everything queued is written.
public final class AuditSink<Event: Sendable>: Service, Sendable {
    /// Writes `events` in order, preceded by an `audit.lost` record of
    /// `loss` when there is one, all in one transaction.
    public typealias Writer = @Sendable (_ events: [Event], _ loss: AuditLoss?) throws(TetherError) -> Void
    public typealias Completion = @Sendable (Result<Void, TetherError>) -> Void

    private struct Entry {
        var events: [Event]
        var completion: Completion?
    }

    private struct State {
        var queue: [Entry] = []
        var queuedEvents = 0
        /// Producers waiting for room, in order; only while the queue is full.
        var waiting: [Entry] = []
        var loss: AuditLoss?
        var drainer: CheckedContinuation<Void, Never>?
        var stopped = false
    }

    public let capacity: Int
    private let label: String
    private let logger: Logger
    private let clock: any WallClock
    private let writer: Writer
    private let state = NIOLockedValueBox(State())

    /// `label` names the sink in log lines ("proxy audit", "node spool").
    public init(label: String, capacity: Int = 4096, clock: any WallClock = SystemWallClock(), logger: Logger, writer: @escaping Writer) {
        self.label = label
        self.capacity = max(1, capacity)
        self.clock = clock
        self.logger = logger
        self.writer = writer
    }

    // MARK: Producers

    /// Queues `events` without waiting; if they do not fit, they are
    /// counted for `audit.lost` instead (see the type's comment).
    public func enqueue(_ events: [Event]) {
        guard !events.isEmpty else { return }
        let (wake, lossBegan) = state.withLockedValue { state -> (CheckedContinuation<Void, Never>?, Bool) in
            guard !state.stopped, state.waiting.isEmpty, fits(events.count, state) else {
                let began = state.loss == nil
                count(events.count, reason: state.stopped ? "the \(label) sink was stopped" : "the \(label) queue of \(capacity) events was full", into: &state)
                return (nil, began)
            }
            return (admit(Entry(events: events), into: &state), false)
        }
        wake?.resume()
        if lossBegan {
            logger.error("audit events could not be queued; they are counted into an audit.lost event", metadata: [
                "sink": "\(label)", "events": "\(events.count)", "capacity": "\(capacity)",
            ])
        }
    }

    public func enqueue(_ event: Event) {
        enqueue([event])
    }

    /// Queues `events`, waiting for room if the queue is full, and calls
    /// `completion` (on the writer's thread) once they are written or their
    /// write failed.
    public func submit(_ events: [Event], completion: @escaping Completion) {
        let entry = Entry(events: events, completion: completion)
        let outcome = state.withLockedValue { state -> Result<CheckedContinuation<Void, Never>?, TetherError> in
            guard !state.stopped else {
                return .failure(TetherError(.unavailable, "the \(label) is shutting down and takes no more audit events."))
            }
            guard state.waiting.isEmpty, fits(events.count, state) else {
                state.waiting.append(entry)
                return .success(nil)
            }
            return .success(admit(entry, into: &state))
        }
        switch outcome {
        case .success(let wake): wake?.resume()
        case .failure(let error): completion(.failure(error))
        }
    }

    /// `submit` for event-loop code: the future completes on `eventLoop`.
    public func submit(_ events: [Event], on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        submit(events) { result in promise.completeWith(result.mapError { $0 as any Error }) }
        return promise.futureResult
    }

    /// `submit` for async code.
    public func write(_ events: [Event]) async throws(TetherError) {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, TetherError>, Never>) in
            submit(events) { continuation.resume(returning: $0) }
        }
        try result.get()
    }

    /// Returns once everything queued before the call is written, or its write failed.
    public func written() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            submit([]) { _ in continuation.resume() }
        }
    }

    /// Events queued and not yet written (for tests and metrics).
    public var queuedEvents: Int {
        state.withLockedValue { $0.queuedEvents }
    }

    private func fits(_ count: Int, _ state: State) -> Bool {
        state.queue.isEmpty || state.queuedEvents + count <= capacity
    }

    private func admit(_ entry: Entry, into state: inout State) -> CheckedContinuation<Void, Never>? {
        state.queue.append(entry)
        state.queuedEvents += entry.events.count
        defer { state.drainer = nil }
        return state.drainer
    }

    private func count(_ events: Int, reason: String, into state: inout State) {
        if state.loss == nil { state.loss = AuditLoss(events: 0, since: clock.now(), reason: reason) }
        state.loss?.events += events
        state.loss?.reason = reason
    }

    // MARK: The writer

    public func run() async throws {
        let thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                while let batch = await nextBatch() {
                    await write(batch, on: thread)
                }
            } onGracefulShutdown: {
                self.stop()
            }
        } onCancel: {
            self.stop()
        }
        try await thread.shutdownGracefully()
    }

    /// Takes no more events; `run` returns once the queue is written.
    private func stop() {
        let wake = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.stopped = true
            defer { state.drainer = nil }
            return state.drainer
        }
        wake?.resume()
    }

    /// Everything queued (and the waiting producers that then fit), or nil
    /// once the sink is stopped and empty.
    private func nextBatch() async -> (entries: [Entry], loss: AuditLoss?)? {
        while true {
            let taken = state.withLockedValue { state -> (entries: [Entry], loss: AuditLoss?)?? in
                if state.queue.isEmpty {
                    return state.stopped && state.waiting.isEmpty ? .some(nil) : nil
                }
                let entries = state.queue
                state.queue = []
                state.queuedEvents = 0
                while let next = state.waiting.first, fits(next.events.count, state) {
                    state.waiting.removeFirst()
                    state.queue.append(next)
                    state.queuedEvents += next.events.count
                }
                return .some((entries, state.loss))
            }
            if let taken { return taken }
            await withCheckedContinuation { continuation in
                let ready = state.withLockedValue { state in
                    guard state.queue.isEmpty, !state.stopped else { return true }
                    state.drainer = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    private func write(_ batch: (entries: [Entry], loss: AuditLoss?), on thread: NIOThreadPool) async {
        let events = batch.entries.flatMap(\.events)
        let result: Result<Void, TetherError>
        do {
            if !events.isEmpty || batch.loss != nil {
                try await thread.runIfActive { [writer] in try writer(events, batch.loss) }
            }
            result = .success(())
        } catch {
            result = .failure((error as? TetherError) ?? TetherError(.unavailable, "the \(label) could not write audit events: \(error)."))
        }
        switch result {
        case .success:
            if let written = batch.loss {
                logger.warning("recorded lost audit events as audit.lost", metadata: ["sink": "\(label)", "events": "\(written.events)"])
                state.withLockedValue { state in
                    state.loss?.events -= written.events
                    if state.loss?.events == 0 { state.loss = nil }
                }
            }
        case .failure(let error):
            state.withLockedValue { count(events.count, reason: error.message, into: &$0) }
            logger.error("cannot write audit events; they are counted into an audit.lost event", metadata: [
                "sink": "\(label)", "events": "\(events.count)", "error": "\(error.message)",
            ])
        }
        for entry in batch.entries { entry.completion?(result) }
    }
}

extension AuditLoss {
    public static let eventType = "audit.lost"

    /// The `audit.lost` event recording this loss: `failed_writes` counts
    /// the events not written (queue full, or their write failed).
    public func event(cluster: String, at time: Date, node: String? = nil, nodeLabels: Labels? = nil) -> AuditEvent {
        AuditEvent(event: Self.eventType, time: time, cluster: cluster, node: node, nodeLabels: nodeLabels, fields: [
            "failed_writes": .number(Int64(events)),
            "since": .string(EventTime.format(milliseconds: EventTime.milliseconds(since))),
            "error": .string(reason),
        ])
    }
}
