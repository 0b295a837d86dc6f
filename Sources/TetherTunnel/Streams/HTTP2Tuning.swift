import NIOCore
import NIOHTTP2

/// HTTP/2 settings for tunnels. The default 64 KiB windows would cap a single
/// session at one window per round trip; bulk copies need megabytes in flight.
enum HTTP2Tuning {
    static let windowSize = 4 << 20
    static let maxFrameSize = 1 << 16
    /// Streams that may end in a reset (or a stream error) per 30 s window:
    /// ~1,600 a second, far above what a proxy sets up, still a limit on a flood.
    static let sessionEndsPerWindow = 50_000

    static var connection: NIOHTTP2Handler.ConnectionConfiguration {
        var configuration = NIOHTTP2Handler.ConnectionConfiguration()
        configuration.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: 4096),
            HTTP2Setting(parameter: .initialWindowSize, value: windowSize),
            HTTP2Setting(parameter: .maxFrameSize, value: maxFrameSize),
        ]
        configuration.targetWindowSize = windowSize * 4
        // Stream errors (a frame racing a reset) are routine with thousands
        // of sessions; the default 200 per connection's life would end a
        // tunnel that has been up long enough. The windowed limit below stays.
        configuration.maximumConnectionGlitches = .max
        return configuration
    }

    static var stream: NIOHTTP2Handler.StreamConfiguration {
        var configuration = NIOHTTP2Handler.StreamConfiguration()
        configuration.targetWindowSize = windowSize
        configuration.outboundBufferSizeHighWatermark = 1 << 20
        configuration.outboundBufferSizeLowWatermark = 1 << 18
        // Every session that ends early (a refusal, a dropped client) closes
        // its stream with RST_STREAM, and the peer is an authenticated node
        // or leaf: the defaults (200 per 30 s, meant for anonymous web
        // clients) closed a leaf's tunnel seconds into a load of 100 sessions.
        configuration.streamResetFrameRateLimit.maximumCount = sessionEndsPerWindow
        configuration.streamErrorRateLimit.maximumCount = sessionEndsPerWindow
        return configuration
    }
}
