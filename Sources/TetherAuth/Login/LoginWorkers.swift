import NIOConcurrencyHelpers
import NIOPosix
import TetherCore

/// The threads password logins run on. A login's scrypt hash costs a
/// hundred milliseconds or more of CPU and 128 MiB, so logins get a few
/// threads of their own, apart from the shared pool that SQLite and joins
/// use, and a bounded queue: when it is full a login is refused at once
/// rather than queued without bound.
public final class LoginWorkers: Sendable {
    public static let busy = TetherError(.unavailable, "the auth service is busy checking other logins' passwords; try again in a few seconds.")

    private let pool: NIOThreadPool
    /// Logins running plus logins waiting.
    private let capacity: Int
    private let admittedCount = NIOLockedValueBox(0)

    /// `threads` hash at once; up to `queue` more wait for one.
    public init(threads: Int, queue: Int) {
        pool = NIOThreadPool(numberOfThreads: threads)
        capacity = threads + queue
        pool.start()
    }

    /// Runs `login` on these threads, or throws `busy` at once when all are
    /// taken and the queue is full.
    public func run<T: Sendable>(_ login: @escaping @Sendable () throws -> T) async throws -> T {
        let taken = admittedCount.withLockedValue { admitted in
            guard admitted < capacity else { return false }
            admitted += 1
            return true
        }
        guard taken else { throw Self.busy }
        defer { admittedCount.withLockedValue { $0 -= 1 } }
        return try await pool.runIfActive(login)
    }

    /// Logins running or waiting now.
    public var admitted: Int { admittedCount.withLockedValue { $0 } }

    public func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}
