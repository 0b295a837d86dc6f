import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TetherTestSupport
import Testing

/// A small slowloris against a real tetherd: connections that send the
/// start of a TLS ClientHello and stall are closed by the proxy at its
/// handshake deadline, logins and sessions go on meanwhile, and one address
/// holds no more connections than its cap. (bench/ runs the 2,000-connection one.)
@Suite struct StalledConnectionTests {
    @Test func stalledHandshakesAreClosedAtTheDeadlineWhileLoginsAndSessionsGoOn() async throws {
        let deadline = Duration.seconds(3)
        let nodes = [ClusterFixture.Node(name: "robot-1", labels: "{customer: acme}")]
        try await ClusterFixture(nodes: nodes, proxyLimits: "{handshake_timeout: 3s, max_connections_per_address: 1000}").use { cluster in
            let stalled = StalledClients(port: Int(cluster.proxyPort))
            // The auth service's own port, at its default deadline (10 s).
            let stalledAuth = StalledClients(port: Int(cluster.authPort))
            stalledAuth.stopReconnecting()
            for _ in 0..<5 { try await stalledAuth.openOne() }
            try await withThrowingTaskGroup(of: Void.self) { attack in
                // Each of 300 slots reconnects as soon as the proxy drops it.
                for _ in 0..<300 { attack.addTask { await stalled.keepOneOpen() } }
                #expect(await eventually { stalled.open == 300 }, "only \(stalled.open) of 300 stalled connections were held")

                let login = try await cluster.loginAlice()
                #expect(login.status == 0, "\(login.stderr)")
                #expect(try await eventually { try await cluster.tether(["ls"]).stdout.contains("robot-1") })
                let session = try await cluster.tether(["ssh", "\(cluster.login)@robot-1", "echo", "still served"])
                #expect(session.status == 0, "\(session.stderr)")
                #expect(session.stdout == "still served\n")
                #expect(stalled.open > 250, "the attack held only \(stalled.open) connections while alice worked")

                stalled.stopReconnecting()
                attack.cancelAll()
                // Every one is closed by the server, none by us: one still open
                // when the wait ends is closed here, and its lifetime fails the
                // deadline check below. (Seen on loaded full runs: this wait
                // reporting failure although every lifetime was under the
                // deadline; the lifetimes are the assertion.)
                if !(await eventually { stalled.open == 0 }) {
                    stalled.closeAll()
                    _ = await eventually { stalled.open == 0 }
                }
                try await attack.waitForAll()
            }
            #expect(await eventually(timeout: .seconds(60)) { stalledAuth.open == 0 })
            #expect(stalledAuth.lifetimes.allSatisfy { $0 > .seconds(9) && $0 < .seconds(25) }, "\(stalledAuth.lifetimes)")
            let slack = Duration.seconds(15)
            #expect(stalled.lifetimes.count >= 300)
            #expect(stalled.lifetimes.allSatisfy { $0 < deadline + slack }, "longest held: \(stalled.lifetimes.max() ?? .zero)")
            // Hundreds of drops, a few lines: the log is rate-limited.
            let drops = cluster.log(of: "auth-proxy").components(separatedBy: "\n").filter { $0.contains("did not finish its TLS handshake within 3 s") }
            #expect(!drops.isEmpty)
            #expect(drops.count < 30, "\(drops.count) log lines for dropped connections")
        }
    }

    @Test func oneAddressHoldsNoMoreThanItsCapUntilItsConnectionsClose() async throws {
        try await ClusterFixture(nodes: [], proxyLimits: "{handshake_timeout: 2m, max_connections_per_address: 20}").use { cluster in
            let stalled = StalledClients(port: Int(cluster.proxyPort))
            stalled.stopReconnecting()
            for _ in 0..<20 { try await stalled.openOne() }
            #expect(stalled.open == 20)

            // The 21st is closed at once, and so is a login from the same address.
            try await stalled.openOne()
            #expect(await eventually(timeout: .seconds(30)) { stalled.lifetimes.count == 1 && stalled.open == 20 })
            let refused = try await cluster.loginAlice()
            #expect(refused.status != 0)
            // Closed at accept: the client sees a close, or a reset when its ClientHello was already on the way.
            #expect(refused.stderr.contains(#/(closed|reset) the connection/#) && refused.stderr.contains("fewer connections than its limit"), "\(refused.stderr)")
            #expect(cluster.log(of: "auth-proxy").contains("the proxy refused a connection: 127.0.0.1 already holds 20 connections"))

            // Closed connections are released.
            stalled.closeAll()
            #expect(await eventually(timeout: .seconds(30)) { stalled.open == 0 })
            let login = try await cluster.loginAlice()
            #expect(login.status == 0, "\(login.stderr)")
        }
    }
}

/// Connections that send the first bytes of a TLS ClientHello (a record
/// header announcing 512 bytes, then 38 of them) and nothing more.
final class StalledClients: Sendable {
    static let halfClientHello: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03] + [UInt8](repeating: 0x5a, count: 32)

    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var lifetimes: [Duration] = []
        var reconnecting = true
    }

    private let port: Int
    private let state = NIOLockedValueBox(State())

    init(port: Int) { self.port = port }

    var open: Int { state.withLockedValue { $0.channels.count } }
    /// How long each connection the server closed had been open.
    var lifetimes: [Duration] { state.withLockedValue { $0.lifetimes } }

    func stopReconnecting() { state.withLockedValue { $0.reconnecting = false } }

    func closeAll() {
        for channel in state.withLockedValue({ Array($0.channels.values) }) { channel.close(promise: nil) }
    }

    /// Opens one stalled connection; returns when it is closed.
    @discardableResult
    func openOne() async throws -> EventLoopFuture<Void> {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        let opened = ContinuousClock.now
        let key = ObjectIdentifier(channel)
        state.withLockedValue { $0.channels[key] = channel }
        channel.closeFuture.whenComplete { _ in
            self.state.withLockedValue { state in
                state.channels[key] = nil
                state.lifetimes.append(ContinuousClock.now - opened)
            }
        }
        // The proxy may already have refused it: that is its answer, not an error.
        try? await channel.writeAndFlush(ByteBuffer(bytes: Self.halfClientHello))
        return channel.closeFuture
    }

    /// Keeps one connection stalled, opening another each time the server
    /// closes it, until `stopReconnecting`.
    func keepOneOpen() async {
        while state.withLockedValue({ $0.reconnecting }) {
            guard let closed = try? await openOne() else { return }
            try? await closed.get()
        }
    }
}
