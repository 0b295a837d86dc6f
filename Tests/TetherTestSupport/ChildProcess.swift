import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with posix_spawn and reaped with waitpid.
///
/// Foundation's `Process` is not used in the tests: its `waitUntilExit` hung
/// here when several tests ran children in parallel, and the children it
/// starts inherit every descriptor the test process has open, so a long-lived
/// child (a tetherd) could hold another test's pipe open forever. A
/// ChildProcess sees only its stdin, stdout and stderr.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    /// Guarded by `lock`: the exit code once reaped.
    private var exitStatus: Int32?
    private let lock = NSLock()

    /// Starts `executable` with stdin from `stdinPath` (default /dev/null)
    /// and stdout/stderr written to the given files (created or truncated).
    /// `environment` entries are added to (or replace) this process's own.
    public init(
        _ executable: String,
        _ arguments: [String],
        stdoutPath: String,
        stderrPath: String,
        stdinPath: String = "/dev/null",
        environment: [String: String] = [:],
        workingDirectory: String? = nil
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try SpawnExtensions.closeInheritedDescriptors(&actions)
        if let workingDirectory { try SpawnExtensions.changeDirectory(&actions, to: workingDirectory) }

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { _, new in new }
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        // The child must not inherit this thread's blocked signals (the test
        // runner blocks SIGTERM on its threads), or terminate() cannot stop it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaultSignals = sigset_t()
        sigfillset(&defaultSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw SupportError("cannot start \(executable): \(String(cString: strerror(result)))") }
        self.pid = pid
    }

    /// Blocks until the child exits; its exit code, or 128 + signal number.
    @available(*, noasync, message: "await exitCode(), which does not hold a concurrency thread")
    @discardableResult
    public func wait() -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let code = Self.exitCode(of: status)
        exitStatus = code
        return code
    }

    /// Whether the child is still running (reaps it if it has exited).
    public var isRunning: Bool {
        lock.withLock {
            guard exitStatus == nil else { return false }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return true }
            exitStatus = Self.exitCode(of: status)
            return false
        }
    }

    /// The shell's convention: the exit code, or 128 + the signal that ended it.
    private static func exitCode(of status: Int32) -> Int32 {
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    /// Waits for the exit on a thread of its own, so a test awaiting a slow
    /// child does not hold one of the few Swift concurrency threads.
    @discardableResult
    public func exitCode() async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: self.wait()) }
        }
    }

    /// Sends SIGTERM and reaps the child; if it has not ended after `grace`,
    /// kills it so a stuck child cannot hang the tests. Whether it ended on
    /// SIGTERM within the grace period.
    @available(*, noasync, message: "use the async terminate, which does not hold a concurrency thread")
    @discardableResult
    public func terminate(grace: Duration = .seconds(10)) -> Bool {
        guard isRunning else { return true }
        Glibc.kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if !isRunning { return true }
            usleep(10_000)  // poll interval
        }
        Glibc.kill(pid, SIGKILL)
        wait()
        return false
    }

    /// The same, sleeping between polls without holding a concurrency thread.
    @discardableResult
    public func terminate(grace: Duration = .seconds(10)) async -> Bool {
        guard isRunning else { return true }
        Glibc.kill(pid, SIGTERM)
        if await eventually(timeout: grace, { !isRunning }) { return true }
        Glibc.kill(pid, SIGKILL)
        await exitCode()
        return false
    }

    /// Terminates all of `children` at once, as `terminate` does; the names
    /// of those that ignored SIGTERM and were killed.
    public static func terminateAll(_ children: [String: ChildProcess], grace: Duration = .seconds(10)) async -> [String] {
        await withTaskGroup(of: String?.self) { group in
            for (name, child) in children {
                group.addTask { await child.terminate(grace: grace) ? nil : name }
            }
            return await group.reduce(into: []) { killed, name in
                if let name { killed.append(name) }
            }
        }
    }

    /// Ends the child at once (SIGKILL) without waiting: for a test's
    /// `defer`, which cannot await. `exitCode()` reaps it.
    public func kill() {
        if isRunning { Glibc.kill(pid, SIGKILL) }
    }
}

/// glibc's posix_spawn extensions (2.29 and 2.34) that its Swift module
/// does not import, looked up at run time.
private enum SpawnExtensions {
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias AddChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    private static func symbol<Function>(_ name: String, as type: Function.Type) throws -> Function {
        guard let address = dlsym(dlopen(nil, RTLD_NOW), name) else {
            throw SupportError("this C library lacks \(name) (glibc 2.34 or later is needed)")
        }
        return unsafeBitCast(address, to: type)
    }

    static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) throws {
        let addCloseFrom = try symbol("posix_spawn_file_actions_addclosefrom_np", as: AddCloseFrom.self)
        guard addCloseFrom(&actions, 3) == 0 else { throw SupportError("posix_spawn_file_actions_addclosefrom_np failed") }
    }

    static func changeDirectory(_ actions: inout posix_spawn_file_actions_t, to directory: String) throws {
        let addChangeDirectory = try symbol("posix_spawn_file_actions_addchdir_np", as: AddChangeDirectory.self)
        guard addChangeDirectory(&actions, directory) == 0 else { throw SupportError("cannot change the child's directory to \(directory)") }
    }
}
