import NIOPosix
import TetherCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to a file descriptor (stdout, stderr) from async code: blocking
/// writes on NIO's thread pool, waiting out a non-blocking descriptor that
/// is full, so a slow reader slows the session instead of losing bytes.
enum DescriptorOutput {
    static func sink(for descriptor: Int32) -> SessionIO.Sink {
        { bytes in
            try await NIOThreadPool.singleton.runIfActive { () throws -> Void in
                try writeAll(bytes, to: descriptor)
            }
        }
    }

    static func writeAll(_ bytes: [UInt8], to descriptor: Int32) throws(TetherError) {
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if result > 0 {
                written += result
                continue
            }
            switch errno {
            case EINTR: continue
            case EAGAIN:
                var ready = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&ready, 1, -1)
            default:
                throw TetherError(.unavailable, "cannot write to descriptor \(descriptor): \(String(cString: strerror(errno))).")
            }
        }
    }
}
