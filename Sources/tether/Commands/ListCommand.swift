import ArgumentParser
import TetherCLIKit
import TetherClient
import TetherCore

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the nodes you can reach, optionally only those with the given labels."
    )

    @Option(help: "The cluster to list (default: the one you logged in to).")
    var cluster: String?

    @Argument(help: "Labels every listed node must carry, k=v,k2=v2.")
    var labels: String?

    @Option(help: "Output format: text, json or yaml.")
    var format: OutputFormat = .text

    func run() async throws {
        try await reportingFailures {
            let selector = try labels.map { (text: String) throws(TetherError) in try LabelText.parse(text) } ?? [:]
            let client = try makeClient()
            let nodes = try await client.nodes(cluster: cluster, labels: selector)
            Output.emit(try Output.render(nodes, as: format) {
                TextTable(
                    headers: ["NAME", "LABELS", "TUNNEL/DIRECT", "ONLINE"],
                    rows: nodes.map { [$0.name, LabelText.format($0.labels), $0.tunnel ? "tunnel" : "direct", $0.online ? "online" : "offline"] }
                ).render()
            })
            if nodes.isEmpty, let hint = await client.emptyListingHint(cluster: cluster, labels: selector) { Output.note(hint) }
        }
    }
}
