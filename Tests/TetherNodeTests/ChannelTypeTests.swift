import Foundation
import NIOCore
import NIOSSH
import Testing
import TetherCore
import TetherTestSupport
@testable import TetherNode

/// Issue 12, work item 6: channels and requests the node does not serve
/// are refused one by one; the connection and its other sessions carry on.
@Suite struct ChannelTypeTests {
    /// `forwarded-tcpip` is the node's to open (for remote forwards, which
    /// it does not offer), never the client's: a channel-open failure, and
    /// the same connection still runs a session.
    @Test func aChannelTypeTheNodeDoesNotServeIsRefusedAndTheConnectionCarriesOn() async throws {
        let node = try await NodeFixture()
        let (key, certificate) = try node.issue()
        let connection = try await node.connect(login: "root", key: key, certificate: certificate)
        let originator = try SocketAddress(ipAddress: "127.0.0.1", port: 4000)
        let refused = await #expect(throws: NIOSSHError.self) {
            try await connection.openChannel(.forwardedTCPIP(.init(listeningHost: "0.0.0.0", listeningPort: 80, originatorAddress: originator)))
        }
        #expect(refused?.type == .channelSetupRejected)
        let result = try await connection.exec("echo still-here")
        await connection.close()
        #expect(result.standardOutput == "still-here\n" && result.exitStatus == 0)
        await node.shutdown()
    }
}

/// The same with the stock client, whose -A asks the node to forward an
/// agent on the session channel (`auth-agent-req@openssh.com`).
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh") && FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh-agent")))
struct StockClientChannelTypeTests {
    @Test func agentForwardingIsRefusedAndTheSessionRuns() async throws {
        let node = try await NodeFixture()
        let client = try await StockClientConfig(node: node)
        let socket = node.directory.path("agent.sock")
        let script = """
            eval "$(ssh-agent -s -a \(socket))" >/dev/null
            ssh -A -v -F \(client.path) \(StockClientConfig.host) 'echo "agent:${SSH_AUTH_SOCK:-none}"'
            status=$?
            ssh-agent -k >/dev/null
            exit $status
            """
        let result = try await ProcessSupport.run("/bin/sh", ["-c", script], in: node.directory)
        await client.close()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "agent:none\n")
        #expect(result.stderr.contains("Requesting authentication agent forwarding"), "ssh did not ask for agent forwarding: \(result.stderr)")
        #expect(try await node.events(NodeAuditor.EventType.sessionEnd).count == 1)
        await node.shutdown()
    }
}

extension SSHTestConnection {
    /// Opens a channel of `type` and returns it once the node confirmed it.
    func openChannel(_ type: SSHChannelType) async throws -> Channel {
        let stream = stream
        return try await stream.eventLoop.flatSubmit { () -> EventLoopFuture<Channel> in
            let promise = stream.eventLoop.makePromise(of: Channel.self)
            do {
                let handler = try stream.pipeline.syncOperations.handler(type: NIOSSHHandler.self)
                handler.createChannel(promise, channelType: type) { child, _ in child.eventLoop.makeSucceededVoidFuture() }
            } catch {
                promise.fail(error)
            }
            return promise.futureResult
        }.get()
    }
}
