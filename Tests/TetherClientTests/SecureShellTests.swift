import Foundation
import TetherAPI
import TetherClient
import TetherCore
import Testing

@Suite struct SecureShellTests {
    private func run(_ command: String?, in fixture: ClientFixture, input: [String] = [], memory: MemoryIO = MemoryIO()) async throws -> SessionExit {
        try await fixture.client.ssh(
            to: SSHDestination(parsing: "root@\(ClientFixture.nodeName)"),
            loginFlag: nil, cluster: nil,
            request: SessionRequest(command: command, terminal: nil),
            io: memory.io(input: input)
        )
    }

    @Test func remoteExitStatusIsPropagated() async throws {
        try await ClientFixture.with { fixture in
            try await fixture.logIn()
            let exit = try await run("exit 7", in: fixture)
            #expect(exit == .exited(7))
            #expect(exit.processExitCode == 7)
        }
    }

    @Test func stdoutAndStderrStaySeparate() async throws {
        try await ClientFixture.with { fixture in
            try await fixture.logIn()
            let memory = MemoryIO()
            let exit = try await run("both", in: fixture, memory: memory)
            #expect(exit == .exited(0))
            #expect(memory.outputText == "to stdout\n")
            #expect(memory.errorText == "to stderr\n")
        }
    }

    @Test func stdinReachesTheNodeAndEndsWithEOF() async throws {
        try await ClientFixture.with { fixture in
            try await fixture.logIn()
            let memory = MemoryIO()
            let exit = try await run("cat", in: fixture, input: ["hello ", "node\n"], memory: memory)
            #expect(exit == .exited(0))
            #expect(memory.outputText == "hello node\n")
        }
    }

    @Test func signalBecomes128PlusItsNumber() async throws {
        try await ClientFixture.with { fixture in
            try await fixture.logIn()
            let exit = try await run("kill", in: fixture)
            #expect(exit == .signaled("KILL"))
            #expect(exit.processExitCode == 137)
        }
    }

    @Test func connectCarriesClusterLoginAndCertificate() async throws {
        try await ClientFixture.with { fixture in
            let identity = try await fixture.logIn()
            _ = try await fixture.client.ssh(
                to: SSHDestination(parsing: ClientFixture.nodeName), loginFlag: "diagnostics", cluster: nil,
                request: SessionRequest(command: "exit 0", terminal: nil), io: MemoryIO().io()
            )
            let connect = try #require(fixture.proxy.connects.withLockedValue { $0 }.first)
            #expect(connect.target == "\(ClientFixture.nodeName):0")
            #expect(connect.headers["tether-cluster"] == "acme")
            #expect(connect.headers["tether-login"] == "diagnostics")
            #expect(connect.headers["tether-certificate"] == identity.sshCertificate)
            let login = try #require(fixture.node.logins.withLockedValue { $0 }.first)
            #expect(login.login == "diagnostics")
            #expect(login.key == identity.sshKey.publicKey.authorizedKeyLine())
        }
    }

    @Test func ptyIsRequestedWithTheTerminalType() async throws {
        try await ClientFixture.with { fixture in
            try await fixture.logIn()
            let exit = try await fixture.client.ssh(
                to: SSHDestination(parsing: ClientFixture.nodeName), loginFlag: "root", cluster: nil,
                request: SessionRequest(command: "exit 3", terminal: TerminalRequest(term: "xterm-test", size: WindowSize(columns: 100, rows: 30))),
                io: MemoryIO().io()
            )
            #expect(exit == .exited(3))
            #expect(fixture.node.terminals.withLockedValue { $0 } == ["xterm-test"])
        }
    }

    @Test func hostKeyOtherThanTheListedOneIsRefused() async throws {
        let listed = TestHostKey()
        try await ClientFixture.with(listedHostKey: listed.authorizedKeyLine) { fixture in
            try await fixture.logIn()
            let error = await #expect(throws: TetherError.self) { try await run("exit 0", in: fixture) }
            #expect(error?.code == .verificationFailed)
            #expect(error?.message.contains("not the key the cluster lists for it") == true)
            #expect(fixture.node.logins.withLockedValue { $0 }.isEmpty)
        }
    }

    @Test func proxyRefusalShowsItsSentence() async throws {
        let denial = TetherError(.accessDenied, "user alice may not log in as root on robot-17.")
        try await ClientFixture.with(connectMode: { _ in .refuse(status: 403, denial) }) { fixture in
            try await fixture.logIn()
            let error = await #expect(throws: TetherError.self) { try await run("exit 0", in: fixture) }
            #expect(error == denial)
        }
    }

    @Test func refusedExecIsReported() async throws {
        try await ClientFixture.with { fixture in
            try await fixture.logIn()
            let error = await #expect(throws: TetherError.self) { try await run("forbidden", in: fixture) }
            #expect(error?.code == .accessDenied)
            #expect(error?.message.contains("refused to start the session") == true)
        }
    }

    @Test func unknownNodeIsNamed() async throws {
        try await ClientFixture.with { fixture in
            try await fixture.logIn()
            let error = await #expect(throws: TetherError.self) {
                try await fixture.client.ssh(
                    to: SSHDestination(parsing: "nope"), loginFlag: nil, cluster: nil,
                    request: SessionRequest(command: "exit 0", terminal: nil), io: MemoryIO().io()
                )
            }
            #expect(error?.code == .notFound)
            #expect(error?.message.contains("no node named nope in cluster acme") == true)
        }
    }

    @Test func nodeDotClusterAsTetherConfigTeachesItNamesTheNodeOfThatCluster() async throws {
        try await ClientFixture.with { fixture in
            try await fixture.logIn()
            let exit = try await fixture.client.ssh(
                to: SSHDestination(parsing: "root@\(ClientFixture.nodeName).acme"), loginFlag: nil, cluster: nil,
                request: SessionRequest(command: "exit 0", terminal: nil), io: MemoryIO().io()
            )
            #expect(exit == .exited(0))
            let connect = try #require(fixture.proxy.connects.withLockedValue { $0 }.first)
            #expect(connect.target == "\(ClientFixture.nodeName):0")
            #expect(connect.headers["tether-cluster"] == "acme")

            // A suffix that is no cluster: said so, with the way to name one.
            let error = await #expect(throws: TetherError.self) {
                try await fixture.client.ssh(
                    to: SSHDestination(parsing: "root@\(ClientFixture.nodeName).acme-dallas"), loginFlag: nil, cluster: nil,
                    request: SessionRequest(command: "exit 0", terminal: nil), io: MemoryIO().io()
                )
            }
            #expect(error?.message == "no node named robot-17.acme-dallas in cluster acme is visible to you, and acme knows no cluster acme-dallas; "
                + "run tether ls to see the nodes you can reach, or tether clusters for the names tether ssh --cluster NAME robot-17 takes.")
        }
    }

    @Test func expiredCertificateIsRefusedBeforeConnecting() async throws {
        try await ClientFixture.with { fixture in
            let identity = try await fixture.logIn()
            let later = UserClient(store: fixture.client.store, clock: FixedWallClock(identity.profile.expiryDate.addingTimeInterval(1)))
            let error = await #expect(throws: TetherError.self) {
                try await later.ssh(
                    to: SSHDestination(parsing: ClientFixture.nodeName), loginFlag: nil, cluster: nil,
                    request: SessionRequest(command: "exit 0", terminal: nil), io: MemoryIO().io()
                )
            }
            #expect(error?.code == .expired)
            #expect(error?.message.hasPrefix("your certificate expired at ") == true)
            #expect(fixture.proxy.connects.withLockedValue { $0 }.isEmpty)
        }
    }
}
