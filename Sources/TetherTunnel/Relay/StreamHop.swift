import NIOCore

/// One hop of a relayed session, done the same way at every hop (proxy to
/// a tunnel node, proxy to a direct node, root to leaf): open the far side
/// first, holding what it sends early; accept the near side only once the
/// far side is open (so a refusal there still reaches the user as a
/// sentence); then splice the two.
public enum StreamHop {
    /// Opens the far side through `open`, handing it the stream initializer
    /// that holds the far end's early bytes. A near side that closes first
    /// takes the far side with it, however late that opens.
    public static func open(
        for near: Channel,
        _ open: (_ initializer: @escaping @Sendable (Channel) throws -> Void) -> EventLoopFuture<Channel>
    ) -> EventLoopFuture<Channel> {
        let opened = open { far in try far.pipeline.syncOperations.addHandler(InboundHold()) }
        near.closeFuture.whenComplete { _ in opened.whenSuccess { $0.close(promise: nil) } }
        return opened
    }

    /// Splices `near` onto the opened `far`. Runs on near's event loop once
    /// near carries raw bytes: what it receives from now on waits in a hold
    /// until both ends of the splice are in place.
    public static func splice(_ near: Channel, onto far: Channel) {
        do {
            try near.pipeline.syncOperations.addHandler(InboundHold())
        } catch {
            near.close(promise: nil)
            far.close(promise: nil)
            return
        }
        SpliceHandler.splice(near, far).whenFailure { _ in
            near.close(promise: nil)
            far.close(promise: nil)
        }
    }

    /// How to serve an accepted tunnel stream: spliced onto `far`.
    public static func accept(onto far: Channel) -> TunnelStreamService {
        { near in splice(near, onto: far) }
    }
}
