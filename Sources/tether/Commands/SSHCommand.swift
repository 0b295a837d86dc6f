import ArgumentParser
import Foundation
import TetherClient

struct SSHCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh",
        abstract: "Run a command or a shell on a node, through the proxy.",
        discussion: "Exits with the remote command's status (128+N when a signal N ended it). A PTY is allocated when standard input is a terminal."
    )

    @Option(help: "The node's cluster (default: the one you logged in to).")
    var cluster: String?

    @Option(name: .customShort("l"), help: ArgumentHelp("The login (OS account) on the node; default: LOGIN@, else your local user name.", valueName: "login"))
    var login: String?

    @Argument(help: "[LOGIN@]NODE")
    var destination: String

    @Argument(parsing: .captureForPassthrough, help: "The command to run; a login shell when omitted.")
    var command: [String] = []

    func run() async throws {
        let exit = try await reportingFailures {
            let client = try makeClient()
            let target = try SSHDestination(parsing: destination)
            let interactive = Terminal.isTerminal(STDIN_FILENO)
            let request = SessionRequest(
                command: command.isEmpty ? nil : command.joined(separator: " "),
                terminal: interactive ? TerminalRequest(
                    term: ProcessInfo.processInfo.environment["TERM"] ?? "xterm-256color",
                    size: Terminal.windowSize() ?? WindowSize(columns: 80, rows: 24)
                ) : nil
            )
            let io = SessionIO.standard(followWindowSize: interactive)
            let session = { try await client.ssh(to: target, loginFlag: login, cluster: cluster, request: request, io: io) }
            return interactive ? try await Terminal.withRawMode { try await session() } : try await session()
        }
        if exit.processExitCode != 0 { throw ExitCode(exit.processExitCode) }
    }
}
