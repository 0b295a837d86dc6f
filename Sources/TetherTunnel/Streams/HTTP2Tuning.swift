import NIOCore
import NIOHTTP2

/// HTTP/2 settings for tunnels. The default 64 KiB windows would cap a single
/// session at one window per round trip; bulk copies need megabytes in flight.
enum HTTP2Tuning {
    static let windowSize = 4 << 20
    static let maxFrameSize = 1 << 16

    static var connection: NIOHTTP2Handler.ConnectionConfiguration {
        var configuration = NIOHTTP2Handler.ConnectionConfiguration()
        configuration.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: 4096),
            HTTP2Setting(parameter: .initialWindowSize, value: windowSize),
            HTTP2Setting(parameter: .maxFrameSize, value: maxFrameSize),
        ]
        configuration.targetWindowSize = windowSize * 4
        return configuration
    }

    static var stream: NIOHTTP2Handler.StreamConfiguration {
        var configuration = NIOHTTP2Handler.StreamConfiguration()
        configuration.targetWindowSize = windowSize
        configuration.outboundBufferSizeHighWatermark = 1 << 20
        configuration.outboundBufferSizeLowWatermark = 1 << 18
        return configuration
    }
}
