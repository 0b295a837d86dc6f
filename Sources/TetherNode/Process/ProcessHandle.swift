import CTetherSpawn
import Glibc
import NIOConcurrencyHelpers

/// A started child process, signalled and reaped through its pidfd. Once
/// it is reaped the pidfd is closed and signals are dropped, so no signal
/// can reach a later process that was given the same pid.
public final class ProcessHandle: Sendable {
    public let pid: pid_t
    /// The pidfd until the process is reaped; its exit status after.
    private let state: NIOLockedValueBox<State>

    private enum State {
        case running(pidfd: Int32)
        case reaped(ProcessExit)
    }

    init(pid: pid_t, pidfd: Int32) {
        self.pid = pid
        state = NIOLockedValueBox(.running(pidfd: pidfd))
    }

    deinit {
        // Dropped unreaped (its owner stopped caring): the descriptor must not leak.
        if case .running(let pidfd) = state.withLockedValue({ $0 }) { close(pidfd) }
    }

    /// Sends `signal` to the process, or with `group` to its process group
    /// (every session process leads a group of its own). False once the
    /// process has been reaped: the signal is dropped, not sent to whoever
    /// holds the pid now.
    @discardableResult
    public func signal(_ signal: Int32, group: Bool = false) -> Bool {
        state.withLockedValue { state in
            guard case .running(let pidfd) = state else { return false }
            // While the leader is unreaped (held by this lock), its pid, and
            // so the group's id, cannot belong to another process.
            if group { return kill(-pid, signal) == 0 }
            return tether_pidfd_send_signal(pidfd, signal) == 0
        }
    }

    /// The descriptor that becomes readable when the process exits, for a
    /// poller; nil once reaped.
    var pollDescriptor: Int32? {
        state.withLockedValue { state in
            guard case .running(let pidfd) = state else { return nil }
            return pidfd
        }
    }

    /// Reaps the process if it has exited (nil while it runs) and closes its pidfd.
    func reapIfExited() -> ProcessExit? {
        state.withLockedValue { state in
            switch state {
            case .reaped(let exit):
                return exit
            case .running(let pidfd):
                var status: Int32 = 0
                let error = tether_pidfd_wait(pidfd, 1, 1, &status)
                if error == EAGAIN { return nil }
                // Any other error (none is expected for our own child) still ends it for us.
                let exit = error == 0 ? ProcessExit(waitStatus: status) ?? .exited(255) : .exited(255)
                close(pidfd)
                state = .reaped(exit)
                return exit
            }
        }
    }

    /// Blocks until the process exits, then reaps it (call off any event loop).
    public func waitForExit() -> ProcessExit {
        if let pidfd = pollDescriptor {
            // Waits without reaping, outside the lock, so `signal` still works meanwhile.
            var status: Int32 = 0
            _ = tether_pidfd_wait(pidfd, 0, 0, &status)
        }
        return reapIfExited() ?? .exited(255)
    }
}
