#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SessionIO {
    /// This process's stdin, stdout and stderr (and SIGWINCH when
    /// `followWindowSize`), for the `tether` command.
    public static func standard(followWindowSize: Bool = false) -> SessionIO {
        SessionIO(
            input: DescriptorInput.stream(of: STDIN_FILENO),
            output: DescriptorOutput.sink(for: STDOUT_FILENO),
            errorOutput: DescriptorOutput.sink(for: STDERR_FILENO),
            windowChanges: followWindowSize ? Terminal.windowChanges() : nil
        )
    }

    /// This process's stdout alone (`tether play`).
    public static func standardOutput() -> Sink {
        DescriptorOutput.sink(for: STDOUT_FILENO)
    }
}
