import Foundation
import TetherTestSupport
import TetherCore
import TetherStorage

/// A scratch directory for one test's database, removed when released.
final class DatabaseDirectory {
    private let scratch: TemporaryDirectory

    init() throws { scratch = try TemporaryDirectory() }

    deinit { scratch.remove() }

    func file(_ name: String) -> String { scratch.path(name) }

    /// The database path tests use.
    var database: String { file("data/tether.sqlite") }
}

/// A wall clock that tests move forward explicitly.
final class SteppingClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = Date(timeIntervalSince1970: 1_750_000_000)) { current = start }

    func now() -> Date { lock.withLock { current } }

    func advance(milliseconds: Int64) {
        lock.withLock { current = current.addingTimeInterval(Double(milliseconds) / 1000) }
    }
}

let baseTime = Date(timeIntervalSince1970: 1_750_000_000)

func sampleEvent(
    _ type: String = "session.start", at seconds: Double = 0, user: String? = "alice", node: String? = "robot-17",
    labels: Labels? = ["customer": "acme", "region": "us-central"], session: String? = nil
) -> AuditEvent {
    AuditEvent(
        event: type, time: baseTime.addingTimeInterval(seconds), cluster: "acme-dallas", user: user, login: "diagnostics",
        node: node, nodeLabels: labels, sessionID: session, remoteAddr: "198.51.100.7:50022", roles: ["acme-field-tech"])
}

/// Runs the `sqlite3` command-line shell on `database`: a second process
/// editing the file behind the store's back, as an intruder would. Its
/// output is stdout then stderr.
@discardableResult
func sqliteShell(_ database: String, _ sql: String) throws -> (status: Int32, output: String) {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let result = try ProcessSupport.run("/usr/bin/sqlite3", [database, sql], in: directory)
    return (result.status, result.stdout + result.stderr)
}

/// The TetherError `body` throws, or nil if it throws none.
func tetherError(_ body: () throws -> Void) -> TetherError? {
    do {
        try body()
        return nil
    } catch let error as TetherError {
        return error
    } catch {
        return TetherError(.internal, "unexpected error \(error)")
    }
}
