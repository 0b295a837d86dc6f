import Foundation

/// Wall-clock time, injected wherever validity windows or timestamps matter,
/// so that expiry is testable without sleeping.
public protocol WallClock: Sendable {
    func now() -> Date
}

/// The machine's real time.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock frozen at one instant (tests, replay).
public struct FixedWallClock: WallClock {
    public var instant: Date
    public init(_ instant: Date) { self.instant = instant }
    public func now() -> Date { instant }
}
