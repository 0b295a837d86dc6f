import TetherCore

/// Refuses access by a locked user or to a locked node while the lock is in
/// force (no `expires`, or `expires` still ahead of the clock). A user lock
/// names the user's cluster (`origin`, nil for this cluster's own), so a
/// root's `alice` and a local `alice` are locked separately.
public struct LockPolicy: NodeAccessPolicy {
    public let locks: [Lock]
    public let clock: any WallClock

    public init(locks: [Lock], clock: any WallClock) {
        self.locks = locks
        self.clock = clock
    }

    public func evaluate(_ request: NodeAccessRequest) -> PolicyDecision {
        guard let lock = lock(user: request.user, origin: request.originCluster, node: request.node.name) else { return .abstain }
        return .deny(reason: Self.reason(lock))
    }

    /// The first lock in force on `user` of `origin` or on `node`.
    public func lock(user: String, origin: String?, node: String) -> Lock? {
        let now = clock.now()
        return locks.first { !$0.metadata.isExpired(at: now) && $0.spec.matches(user: user, origin: origin, node: node) }
    }

    /// `user alice is locked by lock "l1": stolen laptop` (no final period,
    /// so the caller's sentence ends once).
    public static func reason(_ lock: Lock) -> String {
        var message = Substring(lock.spec.message ?? "")
        while message.last == "." { message = message.dropLast() }
        return "\(lock.spec.subject) is locked by lock \"\(lock.name)\"" + (message.isEmpty ? "" : ": \(message)")
    }
}
