import CTetherSpawn
import Glibc
import TetherCore

/// A terminal's size in character cells.
public struct WindowSize: Sendable, Equatable {
    public var columns: UInt16
    public var rows: UInt16
    public init(columns: UInt16, rows: UInt16) {
        self.columns = columns
        self.rows = rows
    }
}

/// What a session asks to run.
public struct SpawnRequest: Sendable {
    public var executable: String
    /// argv, including argv[0].
    public var arguments: [String]
    public var environment: [String: String]
    public var workingDirectory: String?
    /// A PTY of this size, or pipes for stdin/stdout/stderr when nil.
    public var terminal: WindowSize?
    /// Drop to this account before exec; nil keeps the current identity.
    public var account: LocalAccount?

    public init(
        executable: String,
        arguments: [String],
        environment: [String: String] = [:],
        workingDirectory: String? = nil,
        terminal: WindowSize? = nil,
        account: LocalAccount? = nil
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.terminal = terminal
        self.account = account
    }
}

/// A started process and the descriptors the caller now owns.
public struct SpawnedProcess: Sendable {
    public var handle: ProcessHandle
    public var pid: pid_t { handle.pid }
    /// The PTY master, when a terminal was requested.
    public var terminal: Int32?
    /// Pipes, when no terminal was requested: write stdin, read stdout/stderr.
    public var standardInput: Int32?
    public var standardOutput: Int32?
    public var standardError: Int32?
}

/// Starts session processes through the C helper, which runs nothing but
/// async-signal-safe calls between fork and exec (Swift code there is unsafe
/// in a multithreaded process).
public enum ProcessSpawner {
    public static func spawn(_ request: SpawnRequest) throws(TetherError) -> SpawnedProcess {
        let argv = CStringArray(request.arguments)
        let envp = CStringArray(request.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        defer {
            argv.deallocate()
            envp.deallocate()
        }
        let groups = request.account?.supplementaryGroups ?? []
        var result = tether_spawn_result()
        let error: Int32 = request.executable.withCString { path in
            withOptionalCString(request.workingDirectory) { cwd in
                groups.withUnsafeBufferPointer { groupBuffer in
                    var spawn = tether_spawn_request()
                    spawn.path = path
                    spawn.argv = UnsafePointer(argv.pointer)
                    spawn.envp = UnsafePointer(envp.pointer)
                    spawn.cwd = cwd
                    spawn.use_pty = request.terminal == nil ? 0 : 1
                    spawn.rows = request.terminal?.rows ?? 0
                    spawn.cols = request.terminal?.columns ?? 0
                    if let account = request.account {
                        spawn.switch_user = 1
                        spawn.uid = account.uid
                        spawn.gid = account.gid
                        spawn.groups = groupBuffer.baseAddress
                        spawn.group_count = Int32(groupBuffer.count)
                    }
                    return tether_spawn(&spawn, &result)
                }
            }
        }
        guard error == 0 else {
            let reason = String(cString: strerror(error))
            throw TetherError(.unavailable, "could not start \(request.executable): \(reason).")
        }
        let isTerminal = request.terminal != nil
        return SpawnedProcess(
            handle: ProcessHandle(pid: result.pid, pidfd: result.pidfd),
            terminal: isTerminal ? result.terminal_fd : nil,
            standardInput: isTerminal ? nil : result.stdin_fd,
            standardOutput: isTerminal ? nil : result.stdout_fd,
            standardError: isTerminal ? nil : result.stderr_fd
        )
    }

    /// Applies a window-change request to a PTY master.
    public static func resize(terminal: Int32, to size: WindowSize) throws(TetherError) {
        let error = tether_set_window_size(terminal, size.rows, size.columns)
        guard error == 0 else {
            throw TetherError(.internal, "could not resize the terminal: \(String(cString: strerror(error))).")
        }
    }

    private static func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
        guard let text else { return body(nil) }
        return text.withCString(body)
    }
}

/// A NULL-terminated `char *const *` built from Swift strings, freed by the owner.
private struct CStringArray {
    let pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

    init(_ strings: [String]) {
        pointer = .allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() {
            pointer[index] = strdup(string)
        }
        pointer[strings.count] = nil
    }

    func deallocate() {
        var index = 0
        while let string = pointer[index] {
            free(string)
            index += 1
        }
        pointer.deallocate()
    }
}
