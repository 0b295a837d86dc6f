import Glibc

/// SSH signal names (RFC 4254 §6.10, without "SIG") and their numbers here.
enum SignalNames {
    private static let table: [(String, Int32)] = [
        ("ABRT", SIGABRT), ("ALRM", SIGALRM), ("FPE", SIGFPE), ("HUP", SIGHUP), ("ILL", SIGILL), ("INT", SIGINT),
        ("KILL", SIGKILL), ("PIPE", SIGPIPE), ("QUIT", SIGQUIT), ("SEGV", SIGSEGV), ("TERM", SIGTERM),
        ("USR1", SIGUSR1), ("USR2", SIGUSR2),
    ]

    static func number(_ name: String) -> Int32? { table.first { $0.0 == name }?.1 }

    static func name(_ number: Int32) -> String { table.first { $0.1 == number }?.0 ?? "SIG\(number)" }
}
