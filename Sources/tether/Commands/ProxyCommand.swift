import ArgumentParser
import TetherClient

struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Byte pipes through the proxy, for other programs.",
        subcommands: [ProxySSHCommand.self]
    )
}

struct ProxySSHCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh",
        abstract: "Pipe standard input and output to a node's SSH server (stock ssh's ProxyCommand).",
        discussion: "NODE may carry the .CLUSTER suffix that `tether config` uses; it is removed. PORT is ignored."
    )

    @Option(help: "The node's cluster (default: the one you logged in to).")
    var cluster: String?

    @Argument(help: "LOGIN@NODE:PORT, as ssh's %r@%h:%p.")
    var destination: String

    func run() async throws {
        try await reportingFailures {
            try await makeClient().proxySSH(destination, cluster: cluster, io: .standard())
        }
    }
}
