import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import Testing
import TetherCore
import TetherStorage
import TetherTestSupport

/// The bounded audit sink over a real SQLite file: order, drain at
/// shutdown, overflow counted into `audit.lost`, failures surfaced.
@Suite struct AuditSinkTests {
    /// A log file, and a sink writing to it the way the node and proxy do:
    /// the `audit.lost` record first, in the same transaction.
    private final class Fixture: Sendable {
        let directory: TemporaryDirectory
        let store: SQLiteStore
        let sink: AuditSink<AuditEvent>
        /// Every loss the sink handed to its writer, written or not.
        let losses = NIOLockedValueBox<[AuditLoss]>([])

        init(capacity: Int = 4096) throws {
            directory = try TemporaryDirectory()
            let store = try SQLiteStore(path: directory.path("audit.sqlite"))
            self.store = store
            let losses = losses
            sink = AuditSink(label: "test audit", capacity: capacity, logger: Logger(label: "test.audit-sink")) { events, loss throws(TetherError) in
                var batch = events
                if let loss {
                    losses.withLockedValue { $0.append(loss) }
                    batch.insert(AuditEvent(event: "audit.lost", time: Date(), cluster: "acme", fields: [
                        "lost_events": .number(Int64(loss.events)), "error": .string(loss.reason),
                    ]), at: 0)
                }
                try store.append(batch)
            }
        }

        deinit { directory.remove() }

        func written() throws -> [AuditRecord] { try store.records(after: 0, limit: 10_000) }

        /// Makes every insert fail, as a full disk would, from another process.
        func breakLog() async throws {
            try await sqlite("CREATE TRIGGER full BEFORE INSERT ON audit_event BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;")
        }

        func repairLog() async throws {
            try await sqlite("DROP TRIGGER full;")
        }

        private func sqlite(_ sql: String) async throws {
            let result = try await ProcessSupport.run("/usr/bin/sqlite3", [store.path, sql], in: directory)
            #expect(result.status == 0, "sqlite3: \(result.stderr)")
        }
    }

    private static func event(_ number: Int) -> AuditEvent {
        AuditEvent(event: "session.data", time: Date(), cluster: "acme", fields: ["n": .number(Int64(number))])
    }

    private static func numbers(_ records: [AuditRecord]) -> [Int64] {
        records.compactMap { $0.event.fields["n"]?.intValue }
    }

    /// Runs the sink in a service group until `body` returns, then shuts it down gracefully.
    private func running(_ sink: AuditSink<AuditEvent>, _ body: () async throws -> Void) async throws {
        let group = ServiceGroup(services: [sink], logger: Logger(label: "test.audit-sink"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body()
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func eventsAreWrittenInTheOrderTheyWereQueuedAndShutdownWritesWhatIsQueued() async throws {
        let fixture = try Fixture()
        try await running(fixture.sink) {
            for number in 0..<500 { fixture.sink.enqueue(Self.event(number)) }
            try await fixture.sink.write([Self.event(500), Self.event(501)])
            for number in 502..<1000 { fixture.sink.enqueue(Self.event(number)) }
        }
        // The graceful shutdown returned only after the last 498 were written.
        #expect(Self.numbers(try fixture.written()) == (0..<1000).map(Int64.init))
        #expect(try fixture.store.verify().isIntact)
    }

    @Test func eventsThatFindTheQueueFullAreCountedIntoAuditLostBeforeTheNextOnes() async throws {
        let fixture = try Fixture(capacity: 4)
        // Not running yet, so nothing drains: 4 fit, the next 6 do not.
        for number in 0..<10 { fixture.sink.enqueue(Self.event(number)) }
        #expect(fixture.sink.queuedEvents == 4)
        try await running(fixture.sink) {
            #expect(await eventually { fixture.sink.queuedEvents == 0 })
            fixture.sink.enqueue(Self.event(10))
        }
        let records = try fixture.written()
        #expect(records.map(\.event.event) == ["audit.lost"] + Array(repeating: "session.data", count: 5))
        #expect(records.first?.event.fields["lost_events"]?.intValue == 6)
        #expect(records.first?.event.fields["error"]?.stringValue == "the test audit queue of 4 events was full")
        #expect(Self.numbers(records) == [0, 1, 2, 3, 10])
        // Recorded once: the loss is cleared by the write that carried it.
        #expect(fixture.losses.withLockedValue { $0.map(\.events) } == [6])
    }

    @Test func aProducerThatCanWaitWaitsForRoomInsteadOfLosingEvents() async throws {
        let fixture = try Fixture(capacity: 2)
        fixture.sink.enqueue([Self.event(0), Self.event(1)])
        try await running(fixture.sink) {
            // The queue is full until the sink runs; this waits, then is written.
            try await fixture.sink.write([Self.event(2)])
        }
        let records = try fixture.written()
        #expect(Self.numbers(records) == [0, 1, 2])
        #expect(!records.contains { $0.event.event == "audit.lost" })
    }

    @Test func aFailedWriteSurfacesToItsProducerAndIsCountedIntoAuditLost() async throws {
        let fixture = try Fixture()
        try await running(fixture.sink) {
            try await fixture.breakLog()
            let failure = await #expect(throws: TetherError.self) { try await fixture.sink.write([Self.event(0)]) }
            #expect(failure?.message.contains("disk is full") == true)
            fixture.sink.enqueue([Self.event(1), Self.event(2)])
            // Written after 1 and 2 (or with them): when it fails, so did they.
            await #expect(throws: TetherError.self) { try await fixture.sink.write([Self.event(4)]) }
            try await fixture.repairLog()
            try await fixture.sink.write([Self.event(3)])
        }
        let records = try fixture.written()
        #expect(records.map(\.event.event) == ["audit.lost", "session.data"])
        #expect(records.first?.event.fields["lost_events"]?.intValue == 4)
        #expect(records.first?.event.fields["error"]?.stringValue?.contains("disk is full") == true)
        #expect(Self.numbers(records) == [3])
    }

    @Test func aStoppedSinkRefusesWaitingProducersAndCountsTheRest() async throws {
        let fixture = try Fixture()
        try await running(fixture.sink) {}
        let refused = await #expect(throws: TetherError.self) { try await fixture.sink.write([Self.event(0)]) }
        #expect(refused?.message == "the test audit is shutting down and takes no more audit events.")
        fixture.sink.enqueue(Self.event(1))
        #expect(try fixture.written().isEmpty)
    }
}
