import Foundation
import Testing
import TetherCore
import TetherStorage

@Suite struct SessionRecordingTests {
    let directory: DatabaseDirectory
    let store: SQLiteStore
    let clock = SteppingClock()

    init() throws {
        directory = try DatabaseDirectory()
        store = try SQLiteStore(path: directory.database)
    }

    private func recorder(_ sessionID: String, threshold: Int = 1024) -> SessionRecorder {
        SessionRecorder(
            sessionID: sessionID, context: sampleEvent("session.data", session: nil), log: store, clock: clock,
            flushThreshold: threshold)
    }

    private func chunkCount(_ sessionID: String) throws -> Int {
        try store.search(AuditQuery(types: [SessionRecorder.eventType], sessionID: sessionID)).count
    }

    /// Records a session of several chunks and returns the frames expected back.
    @discardableResult
    private func recordSession(_ sessionID: String) throws -> [RecordingFrame] {
        let recorder = recorder(sessionID)
        var expected: [RecordingFrame] = []
        func record(_ kind: RecordingFrame.Kind, after milliseconds: Int64) throws {
            clock.advance(milliseconds: milliseconds)
            try recorder.record(kind)
            expected.append(RecordingFrame(offsetMilliseconds: (expected.last?.offsetMilliseconds ?? 0) + milliseconds, kind: kind))
        }
        try record(.start(login: "diagnostics", node: "robot-17", term: "xterm-256color", size: TerminalSize(columns: 80, rows: 24)), after: 0)
        for line in 0..<60 {
            try record(.output(Array("line \(line): \(String(repeating: "x", count: line))\r\n".utf8)), after: 7)
            if line == 20 { try record(.resize(TerminalSize(columns: 132, rows: 50)), after: 3) }
            if line == 30 { try record(.input(Array("ls\r".utf8)), after: 1) }
        }
        try record(.end(exitStatus: 3), after: 5)
        return expected
    }

    @Test func framesRoundTripAcrossSeveralChunks() throws {
        let expected = try recordSession("s-1")
        #expect(try chunkCount("s-1") > 1)
        #expect(try SessionRecording.load(sessionID: "s-1", from: store) == expected)
        #expect(try store.verify().isIntact)
    }

    @Test func chunksCarryTheSessionContext() throws {
        try recordSession("s-ctx")
        let chunk = try #require(try store.search(AuditQuery(sessionID: "s-ctx")).first)
        #expect(chunk.event.event == "session.data")
        #expect(chunk.event.user == "alice")
        #expect(chunk.event.nodeLabels == ["customer": "acme", "region": "us-central"])
        #expect(chunk.event.fields["chunk"] == 0)
    }

    @Test func aLargeWriteIsSplitAndReassembled() throws {
        let recorder = recorder("s-big")
        let big = ZlibTests.randomBytes(100_000)
        try recorder.record(.output(big))
        try recorder.record(.end(exitStatus: nil))
        let frames = try SessionRecording.load(sessionID: "s-big", from: store)
        let output = frames.flatMap { frame -> [UInt8] in
            if case .output(let bytes) = frame.kind { return bytes }
            return []
        }
        #expect(output == big)
        #expect(frames.last?.kind == .end(exitStatus: nil))
        #expect(try chunkCount("s-big") >= 100_000 / 1024)
    }

    @Test(arguments: [Int32.min, -1, 0, 255, Int32.max])
    func exitStatusesRoundTrip(status: Int32) throws {
        let recorder = recorder("s-exit")
        try recorder.record(.end(exitStatus: status))
        #expect(try SessionRecording.load(sessionID: "s-exit", from: store).map(\.kind) == [.end(exitStatus: status)])
    }

    @Test func offsetsNeverRunBackwards() throws {
        let recorder = recorder("s-clock")
        clock.advance(milliseconds: 500)
        try recorder.record(.output([0x41]))
        clock.advance(milliseconds: -400)
        try recorder.record(.end(exitStatus: 0))
        #expect(try SessionRecording.load(sessionID: "s-clock", from: store).map(\.offsetMilliseconds) == [500, 500])
    }

    @Test func nothingCanBeRecordedAfterTheEnd() throws {
        let recorder = recorder("s-ended")
        try recorder.record(.end(exitStatus: 0))
        #expect(tetherError { try recorder.record(.output([1])) }?.code == .invalidArgument)
    }

    @Test func anUnknownSessionIsNotFound() {
        #expect(tetherError { _ = try SessionRecording.load(sessionID: "nope", from: store) }?.code == .notFound)
    }

    @Test func aMissingChunkIsNamed() throws {
        try recordSession("s-gap")
        let second = try #require(try store.search(AuditQuery(sessionID: "s-gap")).dropFirst().first)
        let result = try sqliteShell(
            directory.database, "DROP TRIGGER audit_event_no_delete; DELETE FROM audit_event WHERE seq = \(second.seq);")
        try #require(result.status == 0, "sqlite3 failed: \(result.output)")
        let error = tetherError { _ = try SessionRecording.load(sessionID: "s-gap", from: store) }
        #expect(error?.code == .malformed)
        #expect(error?.message.contains("missing chunk 1") == true)
    }

    @Test(arguments: ["garbage", "truncated", "not-base64", "wrong-count"])
    func aCorruptedChunkThrows(corruption: String) throws {
        try recordSession("s-good")
        var chunk = try #require(try store.search(AuditQuery(sessionID: "s-good")).first).event
        let data = try #require(chunk.fields["data"]?.stringValue.flatMap { Data(base64Encoded: $0) })
        switch corruption {
        case "garbage": chunk.fields["data"] = .string(Data(ZlibTests.randomBytes(300)).base64EncodedString())
        case "truncated": chunk.fields["data"] = .string(data.prefix(data.count - 10).base64EncodedString())
        case "not-base64": chunk.fields["data"] = "%%%"
        default: chunk.fields["frames"] = 1
        }
        chunk.sessionID = "s-bad"
        try store.append(chunk)
        let error = tetherError { _ = try SessionRecording.load(sessionID: "s-bad", from: store) }
        #expect(error?.code == .malformed)
        #expect(error?.message.contains("chunk 0") == true)
    }

    /// Finding 8: while the log refuses writes (a full disk, here a trigger
    /// in the real file), the recorder keeps at most its limit and says
    /// what it dropped; once writes work, recording carries on.
    @Test func aRecorderThatCannotWriteDropsFramesPastItsLimit() throws {
        let recorder = SessionRecorder(
            sessionID: "s-full", context: sampleEvent("session.data"), log: store, clock: clock,
            flushThreshold: 1024, bufferLimit: 4096)
        try recorder.record(.start(login: "diagnostics", node: "robot-17", term: "xterm", size: TerminalSize(columns: 80, rows: 24)))
        try sqliteShell(directory.database, "CREATE TRIGGER disk_full BEFORE INSERT ON audit_event BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;")
        var failures: [TetherError] = []
        for _ in 0..<200 {
            do {
                try recorder.record(.output(Array(repeating: UInt8(ascii: "x"), count: 1000)))
            } catch {
                failures.append(error)
            }
        }
        #expect(failures.count > 100)
        #expect(failures.contains { $0.message.contains("dropped") && $0.message.contains("disk is full") })

        try sqliteShell(directory.database, "DROP TRIGGER disk_full;")
        try recorder.record(.output(Array("after".utf8)))
        try recorder.record(.end(exitStatus: 0))
        let frames = try SessionRecording.load(sessionID: "s-full", from: store)
        let kept = frames.reduce(0) { total, frame in
            if case .output(let bytes) = frame.kind { total + bytes.count } else { total }
        }
        #expect(kept <= 4096 + 1000 + 5)
        #expect(frames.last?.kind == .end(exitStatus: 0))
    }
}
