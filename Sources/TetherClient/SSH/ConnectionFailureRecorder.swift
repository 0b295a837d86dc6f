import NIOConcurrencyHelpers
import NIOCore
import TetherCore

/// Last handler of the SSH connection: keeps the first error (a refused host
/// key, a refused login) so the user sees that sentence rather than the
/// "channel closed" that follows it, and closes the connection.
final class ConnectionFailureRecorder: ChannelInboundHandler {
    typealias InboundIn = Any

    private let failure: NIOLockedValueBox<TetherError?>
    private let node: String

    init(failure: NIOLockedValueBox<TetherError?>, node: String) {
        self.failure = failure
        self.node = node
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let described = (error as? TetherError) ?? TetherError(.unavailable, "the SSH connection to node \(node) failed: \(error).")
        failure.withLockedValue { if $0 == nil { $0 = described } }
        context.close(promise: nil)
    }
}
