import Foundation
import TetherStorage

/// Turns a session's requests into a process to spawn: the login's shell,
/// as the login's account, in its home, with a clean environment.
struct SessionLaunch {
    /// Client-sent variables a session accepts (like sshd's AcceptEnv).
    static func acceptsEnvironment(_ name: String) -> Bool {
        name == "LANG" || name == "TERM" || name == "TZ" || name.hasPrefix("LC_")
    }

    struct Terminal: Equatable {
        var term: String
        var size: WindowSize
    }

    let account: LoginAccounts.Resolved
    let clientEnvironment: [String: String]
    let terminal: Terminal?
    /// nil for an interactive shell.
    let command: String?
    let sessionID: String

    var request: SpawnRequest {
        let user = account.account
        let shell = user.shell
        let shellName = (shell as NSString).lastPathComponent
        let arguments = command.map { [shellName, "-c", $0] } ?? ["-" + shellName]
        var environment = clientEnvironment
        environment["HOME"] = user.home
        environment["USER"] = user.name
        environment["LOGNAME"] = user.name
        environment["SHELL"] = shell
        environment["PATH"] = user.uid == 0
            ? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
            : "/usr/local/bin:/usr/bin:/bin"
        environment["TETHER_SESSION_ID"] = sessionID
        if let terminal { environment["TERM"] = terminal.term.isEmpty ? "xterm" : terminal.term }
        var isDirectory: ObjCBool = false
        let home = FileManager.default.fileExists(atPath: user.home, isDirectory: &isDirectory) && isDirectory.boolValue
        return SpawnRequest(
            executable: shell,
            arguments: arguments,
            environment: environment,
            workingDirectory: home ? user.home : "/",
            terminal: terminal?.size,
            account: account.switchUser ? user : nil
        )
    }

    var recordingSize: TerminalSize {
        TerminalSize(columns: UInt32(terminal?.size.columns ?? 0), rows: UInt32(terminal?.size.rows ?? 0))
    }
}

extension WindowSize {
    /// From a client's request, clamped to what a terminal can hold.
    init(columns: Int, rows: Int) {
        self.init(columns: UInt16(clamping: columns), rows: UInt16(clamping: rows))
    }
}
