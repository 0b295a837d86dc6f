import TetherClient
import TetherCore
import Testing

@Suite struct DestinationTests {
    @Test func loginPrecedenceIsFlagThenDestinationThenLocalUser() throws {
        let withLogin = try SSHDestination(parsing: "ops@robot-17")
        #expect(withLogin.node == "robot-17")
        #expect(withLogin.login(flag: "root", localUser: "me") == "root")
        #expect(withLogin.login(flag: nil, localUser: "me") == "ops")
        #expect(try SSHDestination(parsing: "robot-17").login(flag: nil, localUser: "me") == "me")
    }

    @Test(arguments: ["", "@robot", "ops@"])
    func malformedDestinationIsRefused(text: String) {
        #expect(throws: TetherError.self) { try SSHDestination(parsing: text) }
    }

    @Test func signalNamesMapToShellStatuses() {
        #expect(SessionExit.signaled("TERM").processExitCode == 143)
        #expect(SessionExit.signaled("INT").processExitCode == 130)
        #expect(SessionExit.signaled("WHATEVER").processExitCode == 255)
        #expect(SessionExit.exited(300).processExitCode == 44)
    }

    @Test(arguments: [("127.0.0.1:3080", "127.0.0.1", 3080), ("[::1]:443", "::1", 443), ("proxy.test:1", "proxy.test", 1)])
    func addressesParse(text: String, host: String, port: Int) throws {
        let address = try HostPort(parsing: text)
        #expect(address.host == host)
        #expect(address.port == port)
        #expect(address.description == text)
    }

    @Test(arguments: ["proxy", "proxy:0", "proxy:99999", ":3080"])
    func badAddressesAreRefused(text: String) {
        #expect(throws: TetherError.self) { try HostPort(parsing: text) }
    }
}
