import ArgumentParser
import Foundation
import TetherCLIKit
import TetherClient

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print an OpenSSH client configuration for the cluster's nodes.",
        discussion: "Covers the cluster you logged in to and every online leaf, and refreshes the profile's known_hosts from them. Write it to a file: tether config > FILE; ssh -F FILE LOGIN@NODE.CLUSTER [COMMAND]"
    )

    func run() async throws {
        try await reportingFailures {
            Output.emit(try await makeClient().openSSHConfig(tetherPath: Self.executablePath()))
        }
    }

    /// This binary's absolute path, for the ProxyCommand.
    static func executablePath() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        let invoked = CommandLine.arguments[0]
        if invoked.hasPrefix("/") { return invoked }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(invoked).standardized.path
    }
}
