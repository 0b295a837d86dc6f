import NIOCore

/// The first handler on every accepted connection: looks at the first bytes
/// to tell TLS (a handshake record starts 0x16) from a stock SSH client
/// (`SSH-`), installs the matching handlers after itself, hands them the
/// bytes it held, and steps aside. Anything else is closed. A client that
/// never speaks is closed by the connection's handshake deadline.
final class ProtocolSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    enum Detected {
        case tls
        case plainSSH
    }

    private var held: ByteBuffer?
    private let route: (Detected, Channel) throws -> Void

    /// `route` installs the protocol's handlers (at the end of the pipeline).
    init(route: @escaping (Detected, Channel) throws -> Void) {
        self.route = route
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if held == nil {
            held = incoming
        } else {
            held!.writeBuffer(&incoming)
        }
        guard let bytes = held, let first = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) else { return }

        let detected: Detected
        if first == 0x16 {
            detected = .tls
        } else if bytes.readableBytes < 4 {
            guard "SSH-".utf8.starts(with: bytes.readableBytesView) else { return close(context) }
            return
        } else if bytes.readableBytesView.starts(with: "SSH-".utf8) {
            detected = .plainSSH
        } else {
            return close(context)
        }
        do {
            try route(detected, context.channel)
        } catch {
            return close(context)
        }
        held = nil
        context.fireChannelRead(wrapInboundOut(bytes))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func close(_ context: ChannelHandlerContext) {
        held = nil
        context.close(promise: nil)
    }
}

extension ProtocolSniffer {
    typealias InboundOut = ByteBuffer
}
