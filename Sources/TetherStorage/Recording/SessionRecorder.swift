import Foundation
import TetherCore

/// Records one session as `session.data` audit events: frames are buffered
/// and written as a zlib-compressed chunk whenever the buffer passes
/// `flushThreshold` raw bytes, and when the session ends. Safe to call from
/// several threads; appends are synchronous database writes.
public final class SessionRecorder: @unchecked Sendable {
    /// The audit event type of recording chunks.
    public static let eventType = "session.data"
    public static let defaultFlushThreshold = 32 * 1024
    /// Frames kept while the log cannot be written, before they are dropped.
    public static let defaultBufferLimit = 1 << 20

    private let log: any AuditLog
    private let clock: any WallClock
    private let template: AuditEvent
    private let flushThreshold: Int
    private let bufferLimit: Int
    private let startedAt: Int64
    private let lock = NSLock()
    // Guarded by `lock`.
    private var buffer = ByteWriter()
    private var bufferedFrameCount: Int64 = 0
    private var bufferedFirstOffset: Int64 = 0
    private var nextChunkIndex: Int64 = 0
    private var lastOffset: Int64 = 0
    private var ended = false

    /// - Parameters:
    ///   - context: cluster, user, login, node, labels... copied into every
    ///     chunk event (its `event`, `time`, `uid` and `fields` are replaced).
    ///   - clock: timestamps the chunks and measures frame offsets from now.
    public init(
        sessionID: String, context: AuditEvent, log: any AuditLog, clock: any WallClock,
        flushThreshold: Int = SessionRecorder.defaultFlushThreshold, bufferLimit: Int = SessionRecorder.defaultBufferLimit
    ) {
        var template = context
        template.event = Self.eventType
        template.sessionID = sessionID
        template.fields = [:]
        self.template = template
        self.log = log
        self.clock = clock
        self.flushThreshold = max(1, flushThreshold)
        self.bufferLimit = max(self.flushThreshold, bufferLimit)
        self.startedAt = EventTime.milliseconds(clock.now())
    }

    /// Adds a frame stamped with the time since the recorder was created.
    /// Recording `.end` flushes and closes the recording.
    public func record(_ kind: RecordingFrame.Kind) throws(TetherError) {
        try locked { () throws(TetherError) in
            guard !ended else {
                throw TetherError(.invalidArgument, "the recording of session \(template.sessionID ?? "") has already ended; nothing more can be recorded.")
            }
            // Never let offsets run backwards, even if the wall clock does.
            lastOffset = max(lastOffset, EventTime.milliseconds(clock.now()) &- startedAt)
            for piece in split(kind) {
                if bufferedFrameCount == 0 { bufferedFirstOffset = lastOffset }
                RecordingFrameCodec.append(RecordingFrame(offsetMilliseconds: lastOffset, kind: piece), to: &buffer)
                bufferedFrameCount += 1
                if buffer.bytes.count >= flushThreshold { try flushLocked() }
            }
            if case .end = kind {
                try flushLocked()
                ended = true
            }
        }
    }

    /// Writes buffered frames now (e.g. before a long idle period).
    public func flush() throws(TetherError) {
        try locked { () throws(TetherError) in try flushLocked() }
    }

    private func locked(_ body: () throws(TetherError) -> Void) throws(TetherError) {
        lock.lock()
        defer { lock.unlock() }
        try body()
    }

    /// Large terminal writes become several frames, so one chunk stays near
    /// the threshold however big a single write is.
    private func split(_ kind: RecordingFrame.Kind) -> [RecordingFrame.Kind] {
        switch kind {
        case .output(let bytes): pieces(of: bytes).map(RecordingFrame.Kind.output)
        case .input(let bytes): pieces(of: bytes).map(RecordingFrame.Kind.input)
        default: [kind]
        }
    }

    private func pieces(of bytes: [UInt8]) -> [[UInt8]] {
        guard bytes.count > flushThreshold else { return [bytes] }
        return stride(from: 0, to: bytes.count, by: flushThreshold).map {
            Array(bytes[$0..<min($0 + flushThreshold, bytes.count)])
        }
    }

    private func flushLocked() throws(TetherError) {
        guard bufferedFrameCount > 0 else { return }
        // Every buffered frame was stamped with `lastOffset` or earlier.
        let chunk = try RecordingChunk(
            index: nextChunkIndex, frameCount: bufferedFrameCount, firstOffset: bufferedFirstOffset, lastOffset: lastOffset,
            raw: RecordingFrameCodec.header + buffer.bytes)
        var event = template
        event.time = clock.now()
        event.uid = UUID().uuidString
        event.fields = chunk.fields
        // On failure the frames stay buffered and the next flush retries
        // them, up to `bufferLimit`: past it they are dropped, so a log that
        // cannot be written (a full disk) never takes all the memory.
        do {
            try log.append([event])
        } catch {
            guard buffer.bytes.count > bufferLimit else { throw error }
            let dropped = buffer.bytes.count
            clearBuffer()
            throw TetherError(error.code, "the recording of session \(template.sessionID ?? "") dropped \(dropped) bytes that could not be written: \(error.message)")
        }
        nextChunkIndex += 1
        clearBuffer()
    }

    private func clearBuffer() {
        buffer = ByteWriter()
        bufferedFrameCount = 0
    }
}
