import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOPosix
import Testing
import TetherAPI
import TetherCore
import TetherIdentity
@testable import TetherProxy
import TetherTransport
import TetherTunnel

/// The CONNECT exchange as a pure state machine, then its handler over
/// EmbeddedChannel with the deadline driven by `advanceTime`.
@Suite struct ConnectStateMachineTests {
    let alice = TLSIdentity(kind: .user, name: "alice", cluster: "test-cluster", roles: ["access"])

    private func connect(_ target: String = "node-a:0", method: HTTPMethod = .CONNECT, headers: [(String, String)]) -> HTTPRequestHead {
        HTTPRequestHead(version: .http1_1, method: method, uri: target, headers: HTTPHeaders(headers))
    }

    /// A machine that got alice's complete request with `certificate`.
    private func requested(certificate: String, headers: [(String, String)] = []) -> (ConnectStateMachine, ConnectStateMachine.Action) {
        var machine = ConnectStateMachine(clusterName: "test-cluster")
        #expect(machine.receivedHead(connect(headers: [(SSHRouting.certificateHeader, certificate)] + headers)) == .none)
        let action = machine.receivedEnd(peer: .success(alice), clientAddress: "192.0.2.1")
        return (machine, action)
    }

    @Test func aCompleteRequestIsRoutedThenSplicedOnce() throws {
        let certificate = try TestPKI().sshCertificate("alice")
        let (requestedMachine, action) = requested(certificate: certificate)
        var machine = requestedMachine
        let expected = ConnectRequest(user: "alice", roles: ["access"], node: "node-a", leafCluster: nil, certificate: certificate, clientAddress: "192.0.2.1")
        #expect(action == .route(expected))
        #expect(machine.deadlinePassed() == .none, "the deadline covers the request only")
        #expect(machine.streamOpened() == .splice)
        #expect(machine.streamOpened() == .closeStream)
        #expect(expected.streamRequest(node: "node-a") == ResourceStreamRequest(kind: .ssh, resource: "node-a", certificate: certificate, clientAddress: "192.0.2.1"))
    }

    @Test func aLeafIsAskedForOnlyWhenTheClusterHeaderNamesAnother() throws {
        let certificate = try TestPKI().sshCertificate("alice")
        let own = requested(certificate: certificate, headers: [(SSHRouting.clusterHeader, "test-cluster")]).1
        guard case .route(let request) = own else { Issue.record("\(own)"); return }
        #expect(request.leafCluster == nil)
        let leaf = requested(certificate: certificate, headers: [(SSHRouting.clusterHeader, "leaf-1")]).1
        guard case .route(let request) = leaf else { Issue.record("\(leaf)"); return }
        #expect(request.leafCluster == "leaf-1")
    }

    @Test func anotherUsersSSHCertificateIsRefusedAndAudited() throws {
        let (_, action) = requested(certificate: try TestPKI().sshCertificate("bob"))
        let sentence = "the SSH certificate of the CONNECT request is user bob of cluster test-cluster, but its TLS certificate is alice of cluster test-cluster; connect with the SSH and TLS certificates of one `tether login`."
        #expect(action == .refuse(TetherError(.accessDenied, sentence), audit: .nodeRefused(user: "alice", node: "node-a", reason: sentence, originCluster: nil, clientAddress: "192.0.2.1")))
    }

    @Test func requestsThatCannotBeRoutedAreRefusedWithASentence() throws {
        let certificate = try TestPKI().sshCertificate("alice")
        func refusal(_ head: HTTPRequestHead, peer: TLSIdentity?) -> TetherError? {
            var machine = ConnectStateMachine(clusterName: "test-cluster")
            _ = machine.receivedHead(head)
            guard case .refuse(let error, audit: nil) = machine.receivedEnd(peer: .success(peer), clientAddress: "192.0.2.1") else { return nil }
            #expect(machine.state == .closed)
            return error
        }
        let header = [(SSHRouting.certificateHeader, certificate)]
        #expect(refusal(connect(method: .GET, headers: header), peer: alice)?.message == "expected CONNECT NODE:0 on tether-ssh/1, got GET.")
        #expect(refusal(connect(headers: header), peer: nil)?.code == .accessDenied)
        let host = TLSIdentity(kind: .host, name: "host-1", cluster: "test-cluster")
        #expect(refusal(connect(headers: header), peer: host)?.message == "no user certificate of cluster test-cluster was presented; run `tether login` first.")
        let stranger = TLSIdentity(kind: .user, name: "alice", cluster: "other")
        #expect(refusal(connect(headers: header), peer: stranger)?.code == .accessDenied)
        #expect(refusal(connect(":0", headers: header), peer: alice)?.message == "the CONNECT request names no node.")
        #expect(refusal(connect(headers: []), peer: alice)?.message == "the CONNECT request carries no Tether-Certificate; run `tether login` again.")
    }

    @Test func theDeadlineRefusesAnIncompleteRequestOnly() {
        var silent = ConnectStateMachine(clusterName: "test-cluster", deadline: .seconds(3))
        #expect(silent.deadlinePassed() == .refuse(TetherError(.invalidArgument, "the CONNECT request was not complete within 3 seconds; send `CONNECT NODE:0` and its headers at once, as `tether ssh` does."), audit: nil))
        #expect(silent.receivedHead(connect(headers: [])) == .none, "nothing after the refusal")

        var halfway = ConnectStateMachine(clusterName: "test-cluster", deadline: .milliseconds(1500))
        _ = halfway.receivedHead(connect(headers: []))
        guard case .refuse(let error, _) = halfway.deadlinePassed() else { Issue.record("no refusal"); return }
        #expect(error.message.contains("within 1500 ms"))
        #expect(halfway.receivedEnd(peer: .success(alice), clientAddress: "192.0.2.1") == .none)
    }

    @Test func aStreamOpenedForAClientThatLeftIsClosed() throws {
        var (machine, _) = requested(certificate: try TestPKI().sshCertificate("alice"))
        machine.connectionClosed()
        #expect(machine.streamOpened() == .closeStream)
        #expect(machine.streamFailed(TetherError(.unavailable, "gone")) == .none)
    }

    @Test func aStreamThatFailsIsTheRefusal() throws {
        var (machine, _) = requested(certificate: try TestPKI().sshCertificate("alice"))
        let offline = TetherError(.unavailable, "node node-a is offline: its tunnel is not connected to this proxy.")
        #expect(machine.streamFailed(offline) == .refuse(offline, audit: nil))
        var (other, _) = requested(certificate: try TestPKI().sshCertificate("alice"))
        guard case .refuse(let error, _) = other.streamFailed(ChannelError.connectTimeout(.seconds(5))) else { Issue.record("no refusal"); return }
        #expect(error.code == .unavailable)
        #expect(error.message.hasPrefix("the proxy could not reach the node: "))
    }

    // MARK: over EmbeddedChannel

    /// A connection on ALPN tether-ssh/1 as the proxy installs it; routing
    /// goes nowhere (these clients never get that far).
    private func embeddedConnection(deadline: TimeAmount = .seconds(10), events: @escaping @Sendable (ProxyEvent) -> Void = { _ in }) throws -> EmbeddedChannel {
        let pki = try TestPKI()
        let registry = TunnelRegistry()
        let leaves = LeafDirectory(source: StaticLeaves(leaves: []), registry: registry)
        let routing = SSHConnectHandler.Routing(
            clusterName: "test-cluster",
            directory: NodeDirectory(source: StaticDirectory(routes: []), registry: registry, leaves: leaves, interval: .seconds(60), logger: Logger(label: "test.directory"), onEvent: events),
            connector: try NodeConnector(registry: registry, group: MultiThreadedEventLoopGroup.singleton, credentials: try pki.host("proxy-1", roles: [ForwardedIdentity.proxyRole]), cluster: "test-cluster"),
            leaves: LeafRelay(leaves: leaves, registry: registry),
            onEvent: events,
            requestDeadline: deadline)
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "192.0.2.1", port: 50000)).wait()
        try SSHConnectHandler.install(on: channel, routing: routing)
        return channel
    }

    private func answer(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let part = try channel.readOutbound(as: IOData.self) {
            if case .byteBuffer(let buffer) = part { text += String(buffer: buffer) }
        }
        return text
    }

    @Test func aClientThatNeverCompletesItsRequestIsToldAndClosedAtTheDeadline() throws {
        let channel = try embeddedConnection(deadline: .seconds(10))
        try channel.writeInbound(ByteBuffer(string: "CONNECT node-a:0 HTTP/1.1\r\nTether-Certif"))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(9999))
        #expect(try answer(channel).isEmpty)
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        let text = try answer(channel)
        #expect(text.hasPrefix("HTTP/1.1 400"), "\(text)")
        #expect(text.contains("the CONNECT request was not complete within 10 seconds"), "\(text)")
        #expect(!channel.isActive)
    }

    @Test func aSilentClientIsClosedAtTheDeadlineToo() throws {
        let channel = try embeddedConnection(deadline: .seconds(2))
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(try answer(channel).contains("not complete within 2 seconds"))
        #expect(!channel.isActive)
    }

    @Test func aCompleteRequestEndsTheDeadline() throws {
        let channel = try embeddedConnection(deadline: .seconds(2))
        // No TLS here, so no user certificate: refused at once, not at the deadline.
        try channel.writeInbound(ByteBuffer(string: "CONNECT node-a:0 HTTP/1.1\r\nTether-Certificate: x\r\n\r\n"))
        let text = try answer(channel)
        #expect(text.hasPrefix("HTTP/1.1 403"), "\(text)")
        #expect(text.contains("no user certificate of cluster test-cluster was presented; run `tether login` first."), "\(text)")
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(try answer(channel).isEmpty, "one answer only")
    }

    @Test func bytesThatAreNoHTTPAreRefusedWithASentence() throws {
        let channel = try embeddedConnection()
        _ = try? channel.writeInbound(ByteBuffer(string: "\u{1}\u{2}NOT HTTP AT ALL\r\n\r\n"))
        let text = try answer(channel)
        #expect(text.hasPrefix("HTTP/1.1 400"), "\(text)")
        #expect(text.contains("the CONNECT request is not valid HTTP"), "\(text)")
        #expect(!channel.isActive)
    }
}
