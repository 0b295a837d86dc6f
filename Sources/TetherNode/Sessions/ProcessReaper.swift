import Foundation
import NIOCore

/// Waits for a session's process on a thread of its own (waitpid blocks),
/// then reports the exit on the session's event loop.
enum ProcessReaper {
    static func watch(_ pid: pid_t, on loop: EventLoop, _ report: @escaping @Sendable (ProcessExit) -> Void) {
        let thread = Thread {
            let exit = ProcessExit.wait(for: pid)
            loop.execute { report(exit) }
        }
        thread.name = "tether-reaper-\(pid)"
        thread.start()
    }
}
