import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file descriptor (stdin) as an async stream, one chunk per pull,
/// with blocking reads on NIO's thread pool. Cancelling the consumer wakes a
/// blocked read through a pipe, so a session that ends while the user types
/// nothing still finishes.
final class DescriptorInput: Sendable {
    private let descriptor: Int32
    private let wakeReader: Int32
    private let wakeWriter: Int32

    private static let chunkSize = 32 * 1024

    private init(descriptor: Int32) {
        self.descriptor = descriptor
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) != 0 { ends = [-1, -1] }
        wakeReader = ends[0]
        wakeWriter = ends[1]
    }

    deinit {
        close(wakeReader)
        close(wakeWriter)
    }

    static func stream(of descriptor: Int32) -> AsyncStream<[UInt8]> {
        let input = DescriptorInput(descriptor: descriptor)
        return AsyncStream(
            unfolding: { try? await NIOThreadPool.singleton.runIfActive { input.next() } ?? nil },
            onCancel: { input.wake() }
        )
    }

    /// The next chunk, or nil at end of input, on error, or once woken.
    private func next() -> [UInt8]? {
        var fds = [
            pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeReader, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            let ready = poll(&fds, nfds_t(fds.count), -1)
            if ready < 0, errno == EINTR { continue }
            guard ready > 0, fds[1].revents == 0 else { return nil }
            var buffer = [UInt8](repeating: 0, count: Self.chunkSize)
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR || errno == EAGAIN { continue }
            guard count > 0 else { return nil }
            return Array(buffer.prefix(count))
        }
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWriter, &byte, 1)
    }
}
