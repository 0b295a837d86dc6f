import NIOCore

/// Decides, from when the peer was last heard, whether the tunnel is dead.
/// Pure: the handler feeds it times and performs the action it returns.
struct KeepaliveStateMachine {
    enum Action: Equatable {
        /// The peer has been silent too long: close the connection.
        case closeDeadPeer
        /// Still alive: look again at this deadline.
        case checkAgain(at: NIODeadline)
    }

    let policy: KeepalivePolicy
    private(set) var lastHeard: NIODeadline

    init(policy: KeepalivePolicy, now: NIODeadline) {
        self.policy = policy
        self.lastHeard = now
    }

    mutating func heardFromPeer(at now: NIODeadline) {
        lastHeard = now
    }

    func check(at now: NIODeadline) -> Action {
        let deadline = lastHeard + policy.deadAfter
        return now >= deadline ? .closeDeadPeer : .checkAgain(at: deadline)
    }
}
