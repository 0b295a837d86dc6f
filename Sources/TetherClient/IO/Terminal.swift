import Dispatch
import TetherCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The user's terminal: whether there is one, its size, raw mode for
/// interactive sessions, and prompting without echo.
public enum Terminal {
    public static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }

    /// The size of the terminal on `descriptor`, nil if it is not one.
    public static func windowSize(of descriptor: Int32 = STDOUT_FILENO) -> WindowSize? {
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return WindowSize(columns: Int(size.ws_col), rows: Int(size.ws_row), pixelWidth: Int(size.ws_xpixel), pixelHeight: Int(size.ws_ypixel))
    }

    /// Every new size of the terminal on `descriptor` (SIGWINCH), until the
    /// consumer stops.
    public static func windowChanges(of descriptor: Int32 = STDOUT_FILENO) -> AsyncStream<WindowSize> {
        AsyncStream { continuation in
            signal(SIGWINCH, SIG_IGN)
            // Dispatch sources are thread-safe; the type just is not marked Sendable.
            nonisolated(unsafe) let source = DispatchSource.makeSignalSource(signal: SIGWINCH, queue: .global())
            source.setEventHandler {
                if let size = windowSize(of: descriptor) { continuation.yield(size) }
            }
            continuation.onTermination = { _ in source.cancel() }
            source.resume()
        }
    }

    /// Runs `body` with the terminal on `descriptor` in raw mode (no echo, no
    /// line editing, no signals from keys: everything goes to the node), and
    /// restores the previous mode afterwards, also when `body` throws.
    public static func withRawMode<Result>(_ descriptor: Int32 = STDIN_FILENO, _ body: () async throws -> Result) async throws -> Result {
        var saved = termios()
        guard tcgetattr(descriptor, &saved) == 0 else { return try await body() }
        var raw = saved
        cfmakeraw(&raw)
        // TCSANOW, not TCSAFLUSH: keys typed ahead must reach the session.
        tcsetattr(descriptor, TCSANOW, &raw)
        defer { tcsetattr(descriptor, TCSADRAIN, &saved) }
        return try await body()
    }

    /// Asks for a secret on the terminal without echoing it.
    public static func readSecret(prompt: String, descriptor: Int32 = STDIN_FILENO) throws(TetherError) -> String {
        var saved = termios()
        guard tcgetattr(descriptor, &saved) == 0 else {
            throw TetherError(.invalidArgument, "standard input is not a terminal; pass the password with --password-stdin.")
        }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(descriptor, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(descriptor, TCSAFLUSH, &saved)
            DescriptorOutputText.write("\n", to: STDERR_FILENO)
        }
        DescriptorOutputText.write(prompt, to: STDERR_FILENO)
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw TetherError(.invalidArgument, "no password was entered; try again.")
        }
        return line
    }
}

/// Short text to a descriptor, for prompts (best effort).
enum DescriptorOutputText {
    static func write(_ text: String, to descriptor: Int32) {
        try? DescriptorOutput.writeAll(Array(text.utf8), to: descriptor)
    }
}
