import NIOConcurrencyHelpers
import TetherCore

/// This node's labels right now: the join token's, overridden by the
/// configured ones, overridden by the latest command-label results.
public final class NodeLabels: Sendable {
    private struct State {
        var base: Labels
        var commands: Labels = [:]
    }

    private let state: NIOLockedValueBox<State>

    public init(configured: Labels, fromToken: Labels = [:]) {
        state = NIOLockedValueBox(State(base: fromToken.merging(configured) { _, own in own }))
    }

    public var current: Labels {
        state.withLockedValue { $0.base.merging($0.commands) { _, command in command } }
    }

    public func setCommandLabel(_ key: String, value: String) {
        state.withLockedValue { $0.commands[key] = value }
    }
}
