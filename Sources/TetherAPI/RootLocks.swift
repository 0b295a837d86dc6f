/// A root cluster's locks on its own users, pushed by the root proxy to
/// each leaf over the tunnel the leaf's proxy holds: a tunnel stream at
/// `streamPath` whose data is one JSON `RootLockSet`; the leaf answers
/// with one JSON `RootLockSetReceipt` (or refuses the stream) and closes.
/// The root sends its whole set each time, so the leaf's copy is exact
/// after every push: locks it no longer lists are lifted.
public enum RootLockPush {
    public static let streamPath = "/v1/federation/locks"
    /// Far more than any real lock set; bounds what a leaf reads.
    public static let maximumBytes = 4 << 20
}

public struct RootLockSet: Codable, Sendable, Equatable {
    /// The root's policy generation the set was read at.
    public var generation: Int64
    /// Each lock in the storage JSON encoding (as in `AccessPolicySnapshot`).
    public var locks: [String]

    public init(generation: Int64, locks: [String]) {
        self.generation = generation
        self.locks = locks
    }
}

public struct RootLockSetReceipt: Codable, Sendable, Equatable {
    /// Locks the leaf now holds for that root.
    public var applied: Int

    public init(applied: Int) {
        self.applied = applied
    }
}
