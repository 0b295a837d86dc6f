import ArgumentParser
import TetherCLIKit
import TetherClient

struct ClustersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clusters",
        abstract: "List the cluster you logged in to and its leaf clusters, online or offline."
    )

    @Option(help: "Output format: text, json or yaml.")
    var format: OutputFormat = .text

    func run() async throws {
        try await reportingFailures {
            let clusters = try await makeClient().clusters()
            Output.emit(try Output.render(clusters, as: format) {
                TextTable(
                    headers: ["NAME", "ROLE", "STATUS", "LAST SEEN"],
                    rows: clusters.map { [$0.name, $0.role.rawValue, $0.online ? "online" : "offline", $0.lastSeen ?? "never"] }
                ).render()
            })
        }
    }
}
