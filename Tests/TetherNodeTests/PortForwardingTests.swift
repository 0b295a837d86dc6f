import Foundation
import NIOCore
import NIOSSH
import Testing
import TetherCore
@testable import TetherNode

@Suite struct PortForwardingTests {
    @Test func forwardingIsRefusedAndAuditedWhenRolesDoNotAllowIt() async throws {
        let node = try await NodeFixture(roles: [NodeFixture.role(portForwarding: false)])
        let (key, certificate) = try node.issue(permissions: [.pty, .portForwarding])
        let connection = try await node.connect(login: "root", key: key, certificate: certificate)
        let target = SSHChannelType.DirectTCPIP(targetHost: "127.0.0.1", targetPort: 22, originatorAddress: try SocketAddress(ipAddress: "127.0.0.1", port: 4000))
        await #expect(throws: (any Error).self) { try await connection.openDirectTCPIP(target) }
        await connection.close()

        let event = try #require(try await node.events(NodeAuditor.EventType.portForward).first)
        #expect(event.fields["success"] == .bool(false))
        #expect(event.fields["addr"] == .string("127.0.0.1:22"))
        #expect(event.user == "alice")
        await node.shutdown()
    }
}

extension SSHTestConnection {
    /// Asks the node for a `direct-tcpip` channel (ssh -L) to `target`.
    func openDirectTCPIP(_ target: SSHChannelType.DirectTCPIP) async throws {
        _ = try await stream.eventLoop.flatSubmit { () -> EventLoopFuture<Channel> in
            let promise = stream.eventLoop.makePromise(of: Channel.self)
            do {
                try stream.pipeline.syncOperations.handler(type: NIOSSHHandler.self)
                    .createChannel(promise, channelType: .directTCPIP(target)) { child, _ in child.eventLoop.makeSucceededVoidFuture() }
            } catch {
                promise.fail(error)
            }
            return promise.futureResult
        }.get()
    }
}
