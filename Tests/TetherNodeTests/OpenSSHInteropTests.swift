import Foundation
import Testing
import TetherTestSupport
import TetherCore
import TetherIdentity
@testable import TetherNode

/// The stock OpenSSH client against the node's SSH server, through a relay
/// that delivers the certificate as the proxy does. ssh offers the
/// certificate first (swift-nio-ssh cannot take it and says no), then the
/// plain key, which the node admits because the delivered certificate
/// certifies exactly that key.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh")))
struct OpenSSHInteropTests {
    @Test func stockSSHRunsACommandWithInputAndExitStatus() async throws {
        let node = try await NodeFixture()
        let client = try await StockClientConfig(node: node)
        let result = try await ProcessSupport.run(
            "/usr/bin/ssh", ["-F", client.path, StockClientConfig.host, "tr a-z A-Z; echo done >&2; exit 5"],
            in: node.directory, stdin: "hello from openssh\n")
        await client.close()

        #expect(result.status == 5, "\(result.stderr)")
        #expect(result.stdout == "HELLO FROM OPENSSH\n")
        #expect(result.stderr == "done\n")
        let start = try #require(try await node.events(NodeAuditor.EventType.sessionStart).first)
        #expect(start.remoteAddr?.contains("127.0.0.1") == true)
        #expect(try await node.events(NodeAuditor.EventType.authFailed).isEmpty)
        await node.shutdown()
    }
}
