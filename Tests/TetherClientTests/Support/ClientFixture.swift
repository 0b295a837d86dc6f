import Foundation
import TetherTestSupport
import NIOConcurrencyHelpers
import TetherAPI
import TetherClient
import TetherCore

/// A fake proxy (with a fake node behind it) and a client whose profile
/// lives in a temporary directory; torn down when `body` returns.
struct ClientFixture {
    let cluster: TestCluster
    let node: FakeNode
    let api: FakeAPI
    let proxy: FakeProxy
    let home: TemporaryDirectory
    let client: UserClient

    static let nodeName = "robot-17"

    static func with<Result>(
        connectMode: ((FakeNode) -> FakeProxy.ConnectMode)? = nil,
        listedHostKey: String? = nil,
        sessions: [String: SessionPlayback] = [:],
        _ body: (ClientFixture) async throws -> Result
    ) async throws -> Result {
        let cluster = try TestCluster()
        let node = FakeNode()
        let nodes = [
            NodeSummary(name: nodeName, hostID: "h-1", cluster: cluster.name, labels: ["customer": "acme", "region": "us-central"],
                        tunnel: true, online: true, lastSeen: "2030-01-01T00:00:00Z", sshHostKey: listedHostKey ?? node.hostKey.authorizedKeyLine),
            NodeSummary(name: "robot-18", hostID: "h-2", cluster: cluster.name, labels: ["customer": "globex"],
                        tunnel: false, online: false, lastSeen: "2030-01-01T00:00:00Z", sshHostKey: TestHostKey().authorizedKeyLine),
            NodeSummary(name: "elsewhere", hostID: "h-3", cluster: "other", labels: ["customer": "acme"],
                        tunnel: true, online: true, lastSeen: "2030-01-01T00:00:00Z", sshHostKey: TestHostKey().authorizedKeyLine),
        ]
        let api = FakeAPI(cluster: cluster, nodes: nodes, sessions: sessions)
        let proxy = try await FakeProxy(cluster: cluster, api: api, connectMode: connectMode?(node) ?? .node(node))
        let home = try TemporaryDirectory()
        let fixture = ClientFixture(
            cluster: cluster, node: node, api: api, proxy: proxy, home: home,
            client: UserClient(store: ProfileStore(directory: home.path("profile")))
        )
        do {
            let result = try await body(fixture)
            await proxy.stop()
            home.remove()
            return result
        } catch {
            await proxy.stop()
            home.remove()
            throw error
        }
    }

    func loginOptions(password: String = "correct horse", trust: LoginTrust = .insecure) throws -> LoginOptions {
        LoginOptions(proxy: try HostPort(parsing: proxy.address), user: "alice", password: password, otp: nil, ttl: .hours(1), trust: trust)
    }

    @discardableResult
    func logIn() async throws -> ClientIdentity {
        try await client.logIn(try loginOptions())
    }
}

/// Session input and output in memory.
struct MemoryIO {
    let output = NIOLockedValueBox<[UInt8]>([])
    let errorOutput = NIOLockedValueBox<[UInt8]>([])

    func io(input: [String] = []) -> SessionIO {
        let output = self.output
        let errorOutput = self.errorOutput
        return SessionIO(
            input: AsyncStream { continuation in
                for chunk in input { continuation.yield(Array(chunk.utf8)) }
                continuation.finish()
            },
            output: { bytes in output.withLockedValue { $0 += bytes } },
            errorOutput: { bytes in errorOutput.withLockedValue { $0 += bytes } }
        )
    }

    var outputText: String { String(decoding: output.withLockedValue { $0 }, as: UTF8.self) }
    var errorText: String { String(decoding: errorOutput.withLockedValue { $0 }, as: UTF8.self) }
}
