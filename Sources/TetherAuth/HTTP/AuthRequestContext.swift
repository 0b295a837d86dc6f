import Hummingbird
import NIOCore

/// Per-request context of the auth API: the connection, so that handlers
/// can read the TLS peer certificate and the remote address.
public struct AuthRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
    }

    /// Audit uploads carry up to a thousand events.
    public var maxUploadSize: Int { 16 << 20 }

    /// The direct peer's IP address (the proxy's, for forwarded calls).
    var remoteAddress: String? { channel.remoteAddress?.ipAddress }
}
