import Foundation
import NIOConcurrencyHelpers
import NIOCore
import TetherIdentity
import TetherPolicy

/// Why a `session.end` came before the session's process chose to end.
enum SessionEndReason {
    /// A lock matched the user or the node (the event names it in `lock`).
    static let locked = "locked"
}

/// The SSH connections this node admitted and still serves, so that a lock
/// ends the ones it matches as soon as it arrives: checked against every
/// new access policy, and against the policy in force when a connection is
/// admitted (a lock that arrived while the login was being decided).
public final class OpenSessions: Sendable {
    struct Connection: Sendable {
        var identity: TetherCertificateIdentity
        /// Ends the connection because of the lock (hops to its event loop).
        var end: @Sendable (TetherPolicy.Lock) -> Void
    }

    private let gate: LoginGate
    private let node: @Sendable () -> NodeTarget
    private let connections = NIOLockedValueBox<[UUID: Connection]>([:])

    init(gate: LoginGate, node: @escaping @Sendable () -> NodeTarget) {
        self.gate = gate
        self.node = node
    }

    /// Tracks an admitted connection until `closed`; ends it at once if a
    /// lock already matches it.
    func admitted(_ connection: Connection, closed: EventLoopFuture<Void>) {
        let id = UUID()
        connections.withLockedValue { $0[id] = connection }
        closed.whenComplete { [connections] _ in connections.withLockedValue { _ = $0.removeValue(forKey: id) } }
        if let lock = gate.lock(on: connection.identity, node: node()) { connection.end(lock) }
    }

    /// Ends every connection a lock in force now matches.
    public func enforce() {
        let target = node()
        for connection in connections.withLockedValue({ Array($0.values) }) {
            if let lock = gate.lock(on: connection.identity, node: target) { connection.end(lock) }
        }
    }

    /// How many admitted connections are open (for tests).
    public var count: Int { connections.withLockedValue { $0.count } }
}
