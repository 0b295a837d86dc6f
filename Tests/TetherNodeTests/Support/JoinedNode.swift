import NIOCore
import NIOPosix
import TetherAuth
import TetherCore
import TetherNode
import TetherTestSupport
import Testing

/// A real auth service on 127.0.0.1 and node robot-17 joined to it (direct).
func withJoinedNode(_ body: (AuthService, NodeConfiguration, NodeIdentity) async throws -> Void) async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let (addresses, listening) = AsyncStream.makeStream(of: SocketAddress.self)
    let auth = try AuthService(
        configuration: .init(cluster: "acme", dataDirectory: directory.path("auth"), listen: "127.0.0.1:0"),
        onListening: { listening.yield($0) })
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await auth.run() }
        var next = addresses.makeAsyncIterator()
        let server = HostPort(host: "127.0.0.1", port: try #require(await next.next()?.port))
        let configuration = NodeConfiguration(
            name: "robot-17", dataDirectory: directory.path("robot-17"),
            // Never bound here: the address the node joins with and its heartbeats repeat.
            reachability: .direct(authServer: server, listen: HostPort(host: "127.0.0.1", port: 3022)),
            joinToken: try auth.core.tokens.create(type: .node, ttl: .hours(1)).secret,
            firstContact: .pin(auth.core.authority.tlsCA.pin))
        let joined = try await NodeJoiner.join(configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        try await body(auth, configuration, joined)
        group.cancelAll()
    }
}
