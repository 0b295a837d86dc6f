import TetherClient
import TetherCore
import Testing

@Suite struct ProxyPipeTests {
    @Test func bytesFlowBothWaysIncludingThoseSentWithTheAnswer() async throws {
        try await ClientFixture.with(connectMode: { _ in .echo(greeting: "SSH-2.0-fake\r\n") }) { fixture in
            try await fixture.logIn()
            let memory = MemoryIO()

            try await fixture.client.proxySSH("diagnostics@robot-17.acme:22", cluster: nil, io: memory.io(input: ["ping\n"]))

            #expect(memory.outputText == "SSH-2.0-fake\r\nping\n")
            let connect = try #require(fixture.proxy.connects.withLockedValue { $0 }.first)
            #expect(connect.target == "robot-17:0")
            #expect(connect.headers["tether-login"] == "diagnostics")
            #expect(connect.headers["tether-cluster"] == "acme")
        }
    }

    @Test(arguments: [
        ("root@robot-17.acme:22", "root", "robot-17"),
        ("root@ROBOT-17.ACME:2222", "root", "ROBOT-17"),
        ("ops@robot-17:22", "ops", "robot-17"),
        ("a@b@robot.acme", "a@b", "robot"),
    ])
    func destinationLosesClusterSuffixAndPort(text: String, login: String, node: String) throws {
        let destination = try ProxyDestination(parsing: text, cluster: "acme")
        #expect(destination.login == login)
        #expect(destination.node == node)
    }

    @Test(arguments: ["robot-17:22", "@robot:22", "root@:22"])
    func malformedDestinationIsRefused(text: String) {
        #expect(throws: TetherError.self) { try ProxyDestination(parsing: text, cluster: "acme") }
    }
}
