import TetherCore

/// The binary form of frames inside a recording chunk (before compression):
/// a format version byte, then per frame a tag, the offset as a varint and
/// the tag's fields. Compact, so chunks of raw terminal output stay small.
enum RecordingFrameCodec {
    static let version: UInt8 = 1

    private enum Tag: UInt8 {
        case start = 1, output, input, resize, end
    }

    /// The header that starts every chunk.
    static var header: [UInt8] { [version] }

    static func append(_ frame: RecordingFrame, to writer: inout ByteWriter) {
        // Offsets are never negative: the recorder clamps them.
        writer.byte(tag(of: frame.kind).rawValue)
        writer.varint(UInt64(clamping: frame.offsetMilliseconds))
        switch frame.kind {
        case .start(let login, let node, let term, let size):
            writer.string(login)
            writer.string(node)
            writer.string(term)
            append(size, to: &writer)
        case .output(let bytes), .input(let bytes):
            writer.data(bytes)
        case .resize(let size):
            append(size, to: &writer)
        case .end(let exitStatus):
            writer.byte(exitStatus == nil ? 0 : 1)
            // Zig-zag, so small negative statuses stay short.
            if let status = exitStatus { writer.varint(UInt64(UInt32(bitPattern: (status << 1) ^ (status >> 31)))) }
        }
    }

    static func decode(_ bytes: [UInt8]) throws(TetherError) -> [RecordingFrame] {
        var reader = ByteReader(bytes)
        let version = try reader.byte()
        guard version == Self.version else {
            throw TetherError(.unsupported, "recording format version \(version) is not supported (this build reads version \(Self.version)); upgrade Tether.")
        }
        var frames: [RecordingFrame] = []
        while !reader.atEnd {
            let tagByte = try reader.byte()
            guard let tag = Tag(rawValue: tagByte) else {
                throw TetherError(.malformed, "recording data holds an unknown frame type \(tagByte); it is corrupted.")
            }
            let offset = try reader.varint(as: Int64.self)
            let kind: RecordingFrame.Kind = switch tag {
            case .start: .start(login: try reader.string(), node: try reader.string(), term: try reader.string(), size: try size(&reader))
            case .output: .output(try reader.data())
            case .input: .input(try reader.data())
            case .resize: .resize(try size(&reader))
            case .end: .end(exitStatus: try exitStatus(&reader))
            }
            frames.append(RecordingFrame(offsetMilliseconds: offset, kind: kind))
        }
        return frames
    }

    private static func tag(of kind: RecordingFrame.Kind) -> Tag {
        switch kind {
        case .start: .start
        case .output: .output
        case .input: .input
        case .resize: .resize
        case .end: .end
        }
    }

    private static func append(_ size: TerminalSize, to writer: inout ByteWriter) {
        writer.varint(UInt64(size.columns))
        writer.varint(UInt64(size.rows))
    }

    private static func size(_ reader: inout ByteReader) throws(TetherError) -> TerminalSize {
        TerminalSize(columns: try reader.varint(as: UInt32.self), rows: try reader.varint(as: UInt32.self))
    }

    private static func exitStatus(_ reader: inout ByteReader) throws(TetherError) -> Int32? {
        switch try reader.byte() {
        case 0: return nil
        case 1:
            let zigzag = try reader.varint(as: UInt32.self)
            return Int32(bitPattern: (zigzag >> 1) ^ (0 &- (zigzag & 1)))
        default:
            throw TetherError(.malformed, "recording data holds an invalid exit status marker; it is corrupted.")
        }
    }
}
