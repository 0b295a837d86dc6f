import TetherCore

/// Reads a recorded session back from the audit log.
public enum SessionRecording {
    /// The session's frames in order. Chunks are taken in seq order and their
    /// indices must run 0, 1, 2... without a gap; a missing or corrupted chunk
    /// is an error naming it.
    public static func load(sessionID: String, from log: any AuditLog) throws(TetherError) -> [RecordingFrame] {
        let records = try log.search(AuditQuery(types: [SessionRecorder.eventType], sessionID: sessionID, order: .oldestFirst))
        guard !records.isEmpty else { throw notRecorded(sessionID) }
        var frames: [RecordingFrame] = []
        for (expectedIndex, record) in records.enumerated() {
            let chunk = try RecordingChunk(fields: record.event.fields, seq: record.seq)
            guard chunk.index == Int64(expectedIndex) else {
                throw TetherError(.malformed, "the recording of session \(sessionID) is missing chunk \(expectedIndex) (the next one found is chunk \(chunk.index), audit record \(record.seq)); run `tetherctl audit verify`.")
            }
            frames += try chunk.frames(seq: record.seq)
        }
        return frames
    }

    /// Throws the not-found sentence unless some chunk of the session is stored.
    public static func requireRecorded(sessionID: String, in log: any AuditLog) throws(TetherError) {
        guard try !log.search(AuditQuery(types: [SessionRecorder.eventType], sessionID: sessionID, limit: 1)).isEmpty else {
            throw notRecorded(sessionID)
        }
    }

    private static func notRecorded(_ sessionID: String) -> TetherError {
        TetherError(.notFound, "there is no recording of session \(sessionID); check the session id in `tetherctl audit search --type session.start`.")
    }
}
