import CZlib
import TetherCore

/// zlib-format compression (deflate plus an Adler-32 checksum, so corruption
/// is detected on inflate). Every zlib failure becomes a `TetherError`.
public enum Zlib {
    public static func compress(_ input: [UInt8]) throws(TetherError) -> [UInt8] {
        guard let inputCount = UInt32(exactly: input.count) else {
            throw TetherError(.invalidArgument, "\(input.count) bytes is too much to compress at once; split the data below 4 GiB.")
        }
        var stream = z_stream()
        guard deflateInit_(&stream, Z_DEFAULT_COMPRESSION, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw TetherError(.internal, "zlib could not start compressing (deflateInit failed).")
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(inputCount))))
        var input = input
        // With an output buffer of deflateBound bytes, a single Z_FINISH call
        // must finish the stream.
        let status = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = inputCount
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = uInt(outputBuffer.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else {
            throw TetherError(.internal, "zlib could not compress \(input.count) bytes (deflate returned \(status)).")
        }
        output.removeSubrange(Int(stream.total_out)...)
        return output
    }

    /// Inflates `input`, which must hold exactly one zlib stream of exactly
    /// `expectedSize` bytes: truncated, corrupted, oversized or trailing data
    /// is an error (`.malformed`), never a trap.
    public static func decompress(_ input: [UInt8], expectedSize: Int) throws(TetherError) -> [UInt8] {
        guard let inputCount = UInt32(exactly: input.count), expectedSize >= 0, expectedSize < UInt32.max else {
            throw TetherError(.malformed, "compressed data of \(input.count) bytes declaring \(expectedSize) bytes is out of range.")
        }
        var stream = z_stream()
        guard inflateInit_(&stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw TetherError(.internal, "zlib could not start decompressing (inflateInit failed).")
        }
        defer { inflateEnd(&stream) }
        // One spare byte: it lets inflate report data longer than declared,
        // and keeps the buffer non-empty (inflate rejects a null output).
        var output = [UInt8](repeating: 0, count: expectedSize + 1)
        var input = input
        let status = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = inputCount
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = uInt(outputBuffer.count)
                return inflate(&stream, Z_FINISH)
            }
        }
        let produced = Int(stream.total_out)
        switch status {
        case Z_STREAM_END:
            guard stream.avail_in == 0 else {
                throw TetherError(.malformed, "compressed data has \(stream.avail_in) bytes after its end; it is corrupted.")
            }
            guard produced == expectedSize else {
                throw TetherError(.malformed, "compressed data inflates to \(produced) bytes instead of the declared \(expectedSize); it is corrupted.")
            }
            output.removeLast()
            return output
        case Z_OK, Z_BUF_ERROR:
            if produced > expectedSize {
                throw TetherError(.malformed, "compressed data inflates to more than the declared \(expectedSize) bytes; it is corrupted.")
            }
            throw TetherError(.malformed, "compressed data ends early (\(produced) of \(expectedSize) bytes); it is truncated.")
        default:
            let reason = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
            throw TetherError(.malformed, "compressed data is corrupted (\(reason)).")
        }
    }
}
