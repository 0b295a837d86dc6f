import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
import TetherTestSupport
import TetherCore
@testable import TetherTunnel

@Suite struct TunnelTests {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    private func echo(_ registry: TunnelRegistry, path: String = "/v1/echo", greeting: String, payload: String) async throws -> String {
        let done = group.next().makePromise(of: String.self)
        let stream = try await registry.openStream(
            to: "node-1",
            request: TunnelStreamRequest(path: path, metadata: ["greeting": greeting]),
            on: group.next()
        ) { channel in
            try channel.pipeline.syncOperations.addHandler(Collector(done: done))
        }.get()
        try await stream.writeAndFlush(ByteBuffer(string: payload))
        try await stream.close(mode: .output)
        return try await done.futureResult.get()
    }

    @Test func streamsCarryBytesBothWaysWithMetadata() async throws {
        let registry = TunnelRegistry()
        let hub = try await startHub(registry: registry, group: group)
        let agent = makeAgent(port: hub.localAddress!.port!, group: group)
        let running = Task { await agent.run() }
        defer { running.cancel() }

        #expect(await eventually { registry.status(of: "node-1") != nil })
        #expect(try await echo(registry, greeting: "hi:", payload: "hello") == "hi:hello")

        // Many concurrent streams share the one connection.
        let large = String(repeating: "x", count: 3 << 20)
        async let a = echo(registry, greeting: "a:", payload: large)
        async let b = echo(registry, greeting: "b:", payload: "small")
        #expect(try await a == "a:" + large)
        #expect(try await b == "b:small")
        try await hub.close()
    }

    @Test func refusalsCarryTheNodesReasonWhenTheyAreDecided() async throws {
        let registry = TunnelRegistry()
        let hub = try await startHub(registry: registry, group: group)
        let running = Task { await makeAgent(port: hub.localAddress!.port!, group: group).run() }
        defer { running.cancel() }
        #expect(await eventually { registry.status(of: "node-1") != nil })

        let denied = await #expect(throws: TetherError.self) {
            try await registry.openStream(to: "node-1", request: TunnelStreamRequest(path: "/v1/denied"), on: group.next()) { _ in }.get()
        }
        #expect(denied?.code == .accessDenied)
        #expect(denied?.message == "role \"viewer\" may not open /v1/denied.")

        // A router that decides later answers the same way, refusal or not.
        let deniedLater = await #expect(throws: TetherError.self) {
            try await registry.openStream(to: "node-1", request: TunnelStreamRequest(path: "/v1/later/denied"), on: group.next()) { _ in }.get()
        }
        #expect(deniedLater?.message == "role \"viewer\" may not open /v1/denied.")
        #expect(try await echo(registry, path: "/v1/later/echo", greeting: "late:", payload: "bytes") == "late:bytes")

        let offline = await #expect(throws: TetherError.self) {
            try await registry.openStream(to: "node-2", request: TunnelStreamRequest(path: "/v1/echo"), on: group.next()) { _ in }.get()
        }
        #expect(offline?.code == .unavailable)
        try await hub.close()
    }

    /// Sessions end by resetting their stream, at the rate a loaded proxy
    /// sets them up: well past swift-nio-http2's default DoS budgets (200
    /// RST_STREAM frames or stream errors per 30 s), which a tunnel, whose
    /// peer is authenticated, must not treat as an attack.
    @Test func manyStreamsResetQuicklyKeepTheTunnelUp() async throws {
        let registry = TunnelRegistry()
        let hub = try await startHub(registry: registry, group: group)
        let events = EventLog()
        let running = Task { await makeAgent(port: hub.localAddress!.port!, group: group, events: events).run() }
        defer { running.cancel() }
        #expect(await eventually { registry.status(of: "node-1") != nil })
        let connection = try #require(registry.status(of: "node-1"))

        for _ in 0..<12 {
            try await withThrowingTaskGroup(of: Void.self) { batch in
                for index in 0..<50 {
                    batch.addTask {
                        if index.isMultiple(of: 2) {
                            // The proxy's end resets an accepted stream (a session cut short).
                            let stream = try await registry.openStream(to: "node-1", request: TunnelStreamRequest(path: "/v1/echo"), on: group.next()) { _ in }.get()
                            stream.close(promise: nil)
                        } else {
                            // The agent's end refuses and resets it.
                            await #expect(throws: TetherError.self) {
                                try await registry.openStream(to: "node-1", request: TunnelStreamRequest(path: "/v1/denied"), on: group.next()) { _ in }.get()
                            }
                        }
                    }
                }
                try await batch.waitForAll()
            }
        }
        #expect(try await echo(registry, greeting: "still:", payload: "up") == "still:up")
        #expect(registry.status(of: "node-1") == connection)
        #expect(events.disconnects == 0)
        try await hub.close()
    }

    @Test func deadPathIsNoticedByBothEndsAndTheAgentComesBack() async throws {
        let keepalive = KeepalivePolicy(interval: .milliseconds(100), missedIntervals: 3)
        let closeReasons = NIOLockedValueBox<[String]>([])
        let registry = TunnelRegistry(keepalive: keepalive) { status, online in
            if !online { closeReasons.withLockedValue { $0.append(status.closeReason ?? "none") } }
        }
        let hub = try await startHub(registry: registry, group: group)
        let relay = try await BlackHoleRelay(group: group, targetPort: hub.localAddress!.port!)
        let events = EventLog()
        // The agent gives up later than the proxy: when it hangs up first, the
        // relay passes its FIN on and the proxy sees a close, not the silence.
        let agentKeepalive = KeepalivePolicy(interval: .milliseconds(100), missedIntervals: 15)
        let running = Task { await makeAgent(port: relay.port, group: group, keepalive: agentKeepalive, events: events).run() }
        defer { running.cancel() }
        #expect(await eventually { registry.status(of: "node-1") != nil })
        let firstConnection = try #require(registry.status(of: "node-1"))

        relay.blackHoled.withLockedValue { $0 = true }
        // Neither side sees a FIN or RST: only the keepalive can notice.
        #expect(await eventually { registry.status(of: "node-1") == nil })
        #expect(await eventually { events.disconnects >= 1 })
        // The proxy says why, for its log and the audit's tunnel.disconnect.
        #expect(closeReasons.withLockedValue { $0 } == ["tunnel peer sent nothing for 300 ms; closing the tunnel"])

        relay.blackHoled.withLockedValue { $0 = false }
        #expect(await eventually { registry.status(of: "node-1") != nil })
        #expect(registry.status(of: "node-1") != firstConnection)
        #expect(try await echo(registry, greeting: "", payload: "back") == "back")
        try await relay.close()
        try await hub.close()
    }

    @Test func agentSurvivesAProxyRestartOnTheSamePort() async throws {
        let registry = TunnelRegistry()
        let hub = try await startHubOnFixedPort(registry: registry, group: group)
        let port = hub.localAddress!.port!
        let running = Task { await makeAgent(port: port, group: group).run() }
        defer { running.cancel() }
        #expect(await eventually { registry.status(of: "node-1") != nil })

        // Stop the proxy: the listener and every tunnel it held.
        try await hub.close()
        await registry.closeAll()
        #expect(await eventually { registry.connected.isEmpty })

        let restartedRegistry = TunnelRegistry()
        // The old listener's sockets may still be closing: retry the bind briefly.
        var rebound: Channel?
        #expect(await eventually {
            rebound = try? await startHub(registry: restartedRegistry, group: group, port: port)
            return rebound != nil
        })
        let restarted = try #require(rebound)
        #expect(await eventually { restartedRegistry.status(of: "node-1") != nil })
        #expect(try await echo(restartedRegistry, greeting: "", payload: "again") == "again")
        try await restarted.close()
    }
}
