import NIOCore
import TetherCore
import TetherTransport

/// `tether proxy ssh`: after the CONNECT, the node's SSH bytes go to
/// `io.output` and `io.input` goes to the node, unchanged (stock ssh runs
/// this as its ProxyCommand and speaks SSH itself).
struct RawPipe {
    let dialer: ProxyDialer

    func run(_ target: ConnectTarget, io: SessionIO) async throws(TetherError) {
        let (_, stream) = try await dialer.dial(target) { channel in
            try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                wrappingChannelSynchronously: channel,
                configuration: .init(isOutboundHalfClosureEnabled: true)
            )
        }
        do {
            try await stream.executeThenClose { inbound, outbound in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await chunk in io.input {
                            try await outbound.write(ByteBuffer(bytes: chunk))
                        }
                        if !Task.isCancelled { outbound.finish() }
                    }
                    for try await buffer in inbound {
                        try await io.output(Array(buffer.readableBytesView))
                    }
                    group.cancelAll()
                }
            }
        } catch {
            throw SocketFailure.reaching(dialer.proxy, error)
        }
    }
}
