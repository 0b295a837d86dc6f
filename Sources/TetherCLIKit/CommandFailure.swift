import ArgumentParser

/// How every Tether command fails: one sentence on stderr, exit status 1.
public enum CommandFailure {
    /// Prints `message` on stderr; throw the exit code this returns.
    public static func report(_ message: String) -> ExitCode {
        Output.note(message)
        return .failure
    }
}
