import Foundation
import TetherCore

/// One compressed run of frames, stored as the extra fields of a
/// `session.data` audit event so recordings are covered by the hash chain.
struct RecordingChunk {
    /// 0, 1, 2... per session, with no gaps.
    var index: Int64
    var frameCount: Int64
    var firstOffset: Int64
    var lastOffset: Int64
    /// Size of the frames before compression (bounds the inflate buffer).
    var rawSize: Int64
    var compressed: [UInt8]

    /// A declared raw size above this is treated as corruption, not allocated.
    static let maximumRawSize: Int64 = 64 << 20

    private enum Key {
        static let index = "chunk"
        static let frames = "frames"
        static let firstOffset = "first_offset_ms"
        static let lastOffset = "last_offset_ms"
        static let rawSize = "raw_size"
        static let data = "data"
    }

    init(index: Int64, frameCount: Int64, firstOffset: Int64, lastOffset: Int64, raw: [UInt8]) throws(TetherError) {
        self.index = index
        self.frameCount = frameCount
        self.firstOffset = firstOffset
        self.lastOffset = lastOffset
        self.rawSize = Int64(raw.count)
        self.compressed = try Zlib.compress(raw)
    }

    var fields: [String: JSONValue] {
        [
            Key.index: .number(index), Key.frames: .number(frameCount),
            Key.firstOffset: .number(firstOffset), Key.lastOffset: .number(lastOffset),
            Key.rawSize: .number(rawSize), Key.data: .string(Data(compressed).base64EncodedString()),
        ]
    }

    /// Reads a chunk back from a stored event; `seq` only names it in errors.
    init(fields: [String: JSONValue], seq: Int64) throws(TetherError) {
        func number(_ key: String) throws(TetherError) -> Int64 {
            guard let value = fields[key]?.intValue else {
                throw TetherError(.malformed, "recording chunk at audit record \(seq) lacks the integer field \"\(key)\"; it is corrupted.")
            }
            return value
        }
        index = try number(Key.index)
        frameCount = try number(Key.frames)
        firstOffset = try number(Key.firstOffset)
        lastOffset = try number(Key.lastOffset)
        rawSize = try number(Key.rawSize)
        guard let text = fields[Key.data]?.stringValue, let data = Data(base64Encoded: text) else {
            throw TetherError(.malformed, "recording chunk \(index) at audit record \(seq) has no valid base64 \"data\"; it is corrupted.")
        }
        compressed = Array(data)
    }

    /// Inflates and decodes the frames, checking them against the declared count.
    func frames(seq: Int64) throws(TetherError) -> [RecordingFrame] {
        guard (0...Self.maximumRawSize).contains(rawSize) else {
            throw TetherError(.malformed, "recording chunk \(index) at audit record \(seq) declares an impossible size of \(rawSize) bytes; it is corrupted.")
        }
        let frames: [RecordingFrame]
        do throws(TetherError) {
            frames = try RecordingFrameCodec.decode(try Zlib.decompress(compressed, expectedSize: Int(rawSize)))
        } catch {
            throw TetherError(error.code, "recording chunk \(index) at audit record \(seq) cannot be read: \(error.message)")
        }
        guard Int64(frames.count) == frameCount else {
            throw TetherError(.malformed, "recording chunk \(index) at audit record \(seq) holds \(frames.count) frames instead of the declared \(frameCount); it is corrupted.")
        }
        return frames
    }
}
