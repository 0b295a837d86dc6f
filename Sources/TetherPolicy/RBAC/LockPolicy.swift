import TetherCore

/// Refuses access by a locked user or to a locked node while the lock is in
/// force (no `expires`, or `expires` still ahead of the clock).
public struct LockPolicy: NodeAccessPolicy {
    public let locks: [Lock]
    public let clock: any WallClock

    public init(locks: [Lock], clock: any WallClock) {
        self.locks = locks
        self.clock = clock
    }

    public func evaluate(_ request: NodeAccessRequest) -> PolicyDecision {
        let now = clock.now()
        for lock in locks where !lock.metadata.isExpired(at: now) {
            let subject: String
            switch lock.spec.target {
            case .user(let user) where user == request.user: subject = "user \(user)"
            case .node(let node) where node == request.node.name: subject = "node \(node)"
            default: continue
            }
            let message = lock.spec.message.map { ": \($0)" } ?? ""
            return .deny(reason: "\(subject) is locked by lock \"\(lock.name)\"\(message)")
        }
        return .abstain
    }
}
