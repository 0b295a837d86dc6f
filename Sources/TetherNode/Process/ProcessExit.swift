import Glibc

/// How a session process ended, as SSH reports it: an exit status, or the
/// signal that killed it.
public enum ProcessExit: Sendable, Equatable {
    case exited(Int32)
    case signaled(Int32)

    /// Decodes a `waitpid`-style status; nil while the process is only stopped.
    public init?(waitStatus status: Int32) {
        let signal = status & 0x7f
        if signal == 0 {
            self = .exited((status >> 8) & 0xff)
        } else if signal != 0x7f {
            self = .signaled(signal)
        } else {
            return nil
        }
    }
}
