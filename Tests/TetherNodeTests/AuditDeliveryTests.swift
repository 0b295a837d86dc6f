import Foundation
import NIOConcurrencyHelpers
import Testing
import TetherTestSupport
import TetherAPI
import TetherCore
import TetherStorage
@testable import TetherNode

/// Stands in for the auth service's audit ingestion, with its dedup rule:
/// per host, anything at or below the highest stored spool seq is skipped.
final class RecordingAuth: NodeClusterAPI {
    enum Mode: Sendable { case down, loseAnswer, up }

    private struct State {
        var mode = Mode.down
        var stored: [AuditUpload.SpooledEvent] = []
        var uploads = 0
    }

    private let state = NIOLockedValueBox(State())

    func set(_ mode: Mode) { state.withLockedValue { $0.mode = mode } }
    var stored: [AuditUpload.SpooledEvent] { state.withLockedValue { $0.stored } }
    var uploads: Int { state.withLockedValue { $0.uploads } }

    func uploadAudit(_ upload: AuditUpload) async throws(TetherError) -> AuditUploadResponse {
        let result: Result<AuditUploadResponse, TetherError> = state.withLockedValue { state in
            state.uploads += 1
            guard state.mode != .down else { return .failure(TetherError(.unavailable, "could not reach https://auth: connection refused.")) }
            let highest = state.stored.last?.spoolSeq ?? 0
            state.stored += upload.events.filter { $0.spoolSeq > highest }
            let answer = AuditUploadResponse(storedThrough: state.stored.last?.spoolSeq ?? 0)
            if state.mode == .loseAnswer {
                state.mode = .up
                return .failure(TetherError(.unavailable, "the connection to auth dropped before its answer."))
            }
            return .success(answer)
        }
        return try result.get()
    }

    func heartbeat(_ heartbeat: Heartbeat) async throws(TetherError) {}

    func accessPolicy(after generation: Int64?) async throws(TetherError) -> AccessPolicySnapshot {
        throw TetherError(.unavailable, "not served by this stand-in.")
    }
}

@Suite struct AuditDeliveryTests {
    private func event(_ number: Int) -> AuditEvent {
        AuditEvent(event: "exec", time: Date(), cluster: "acme", user: "alice", node: "robot-17", fields: ["command": .string("step \(number)")])
    }

    @Test func eventsWaitInTheSpoolAndArriveInOrderExactlyOnce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let spool = try AuditSpool(path: directory.path("spool.sqlite"))
        let auth = RecordingAuth()
        let delivery = AuditDelivery(spool: spool, api: auth, hostID: "host-1", batchSize: 3)
        for number in 1...5 { try spool.append(event(number)) }

        // Auth unreachable: nothing leaves the spool.
        await #expect(throws: TetherError.self) { try await delivery.deliverPending() }
        #expect(try spool.pending(limit: 100).count == 5)
        #expect(auth.stored.isEmpty)

        // Auth stores the first batch but its answer is lost: the retry must not duplicate.
        auth.set(.loseAnswer)
        await #expect(throws: TetherError.self) { try await delivery.deliverPending() }
        #expect(try spool.deliveredThrough() == 0)
        for number in 6...7 { try spool.append(event(number)) }

        let delivered = try await delivery.deliverPending()
        #expect(delivered == 7)
        #expect(auth.stored.map(\.spoolSeq) == Array(1...7))
        let commands = try auth.stored.map { spooled -> String? in
            guard case .object(let object) = try JSONParser.parse(Array(spooled.json.utf8)) else { return nil }
            return object["command"]?.stringValue
        }
        #expect(commands == (1...7).map { "step \($0)" })
        #expect(try spool.pending(limit: 100).isEmpty)

        // Nothing new: no upload at all.
        let uploads = auth.uploads
        #expect(try await delivery.deliverPending() == 0)
        #expect(auth.uploads == uploads)

        // The cursor survives a restart.
        let reopened = try AuditSpool(path: directory.path("spool.sqlite"))
        #expect(try reopened.deliveredThrough() == 7)
    }
}
