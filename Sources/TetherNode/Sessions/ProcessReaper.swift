import CTetherSpawn
import Foundation
import Glibc
import NIOConcurrencyHelpers
import NIOCore

/// Reports session processes' exits on their sessions' event loops. One
/// thread serves every process, however many sessions run: it waits in
/// epoll for their pidfds, which become readable when a process exits,
/// then reaps it (so its pid is released only once nothing will signal it).
final class ProcessReaper: Sendable {
    static let shared = ProcessReaper()

    private struct Watch {
        var process: ProcessHandle
        var loop: EventLoop
        var report: @Sendable (ProcessExit) -> Void
    }

    private let poller: Int32
    /// Keyed by pidfd, which stays open (so unique) until its process is reaped here.
    private let watches = NIOLockedValueBox<[Int32: Watch]>([:])

    private init() {
        poller = tether_exit_poller_create()
        precondition(poller >= 0, "cannot create the process exit poller: \(String(cString: strerror(errno)))")
        Thread { [self] in
            // Foundation's Thread.name does not reach the kernel here.
            tether_exit_poller_name_thread()
            run()
        }.start()
    }

    /// Calls `report` on `loop` once `process` has exited and been reaped.
    func watch(_ process: ProcessHandle, on loop: EventLoop, _ report: @escaping @Sendable (ProcessExit) -> Void) {
        guard let pidfd = process.pollDescriptor else {
            let exit = process.reapIfExited() ?? .exited(255)
            return loop.execute { report(exit) }
        }
        watches.withLockedValue { $0[pidfd] = Watch(process: process, loop: loop, report: report) }
        guard tether_exit_poller_add(poller, pidfd) != 0 else { return }
        // The kernel took no more watches (out of memory): this process is polled on its loop instead.
        watches.withLockedValue { _ = $0.removeValue(forKey: pidfd) }
        loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { task in
            guard let exit = process.reapIfExited() else { return }
            task.cancel()
            report(exit)
        }
    }

    private func run() -> Never {
        var ready = [Int32](repeating: -1, count: 64)
        while true {
            let count = tether_exit_poller_wait(poller, &ready, Int32(ready.count))
            precondition(count >= 0, "cannot wait for session processes: \(String(cString: strerror(errno)))")
            for pidfd in ready.prefix(Int(count)) {
                // Reaped and forgotten under one lock: reaping closes the pidfd
                // (which takes it out of the epoll set), and a process started
                // after that may get the same descriptor number.
                let reaped = watches.withLockedValue { watches -> (Watch, ProcessExit)? in
                    guard let watch = watches[pidfd], let exit = watch.process.reapIfExited() else { return nil }
                    watches.removeValue(forKey: pidfd)
                    return (watch, exit)
                }
                if let (watch, exit) = reaped { watch.loop.execute { watch.report(exit) } }
            }
        }
    }
}
