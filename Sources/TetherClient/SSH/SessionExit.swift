#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a remote command ended.
public enum SessionExit: Sendable, Equatable {
    case exited(Int)
    /// Killed by a signal, named as SSH sends it ("TERM", "KILL", ...).
    case signaled(String)

    /// The status `tether ssh` exits with, as a shell would report it: the
    /// command's own status, or 128 + the signal number.
    public var processExitCode: Int32 {
        switch self {
        case .exited(let status):
            return Int32(truncatingIfNeeded: status & 0xFF)
        case .signaled(let name):
            guard let number = Self.signalNumbers[name] else { return 255 }
            return 128 + number
        }
    }

    /// RFC 4254 §6.10 signal names, numbered as on this platform.
    private static let signalNumbers: [String: Int32] = [
        "ABRT": SIGABRT, "ALRM": SIGALRM, "FPE": SIGFPE, "HUP": SIGHUP, "ILL": SIGILL, "INT": SIGINT,
        "KILL": SIGKILL, "PIPE": SIGPIPE, "QUIT": SIGQUIT, "SEGV": SIGSEGV, "TERM": SIGTERM,
        "USR1": SIGUSR1, "USR2": SIGUSR2,
    ]
}
