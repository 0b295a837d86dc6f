import ArgumentParser
import Foundation
import TetherCLIKit
import TetherCore
import TetherPolicy

struct TokensCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens", abstract: "Manage join tokens for nodes and trusted clusters.",
        subcommands: [Add.self, List.self, Remove.self])

    struct Add: AdminCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Make a join token; with --format text only the token is printed.")
        @OptionGroup var cluster: ClusterOptions
        @Option(help: "node or trusted_cluster.") var type: String
        @Option(help: "How long the token is valid, e.g. 30m, 1h.") var ttl: String = "30m"
        @Option(help: "Labels for nodes joining with it, k=v,k2=v2.") var labels: String?
        @Flag(help: "Allow more than one use.") var reusable = false
        @Option(help: "The only node name the token admits; it may take that name over from another host key (a replaced machine).") var node: String?
        @Option(help: "text, json or yaml.") var format: OutputFormat = .text

        struct Issued: Encodable {
            var token: String
            var id: String
            var type: String
            var expires: String
        }

        func execute() throws(TetherError) {
            guard let tokenType = TokenSpec.TokenType(rawValue: type) else {
                throw TetherError(.invalidArgument, "token type \"\(type)\" is unknown; use node or trusted_cluster.")
            }
            let issued = try cluster.open().tokens.create(
                type: tokenType, ttl: try TimeSpan(parsing: ttl), labels: try LabelText.parse(labels ?? ""), reusable: reusable, node: node)
            let output = Issued(token: issued.secret, id: issued.token.name, type: tokenType.rawValue,
                                expires: Printing.time(issued.token.metadata.expires))
            try Printing.emit(output, as: format) { issued.secret }
        }
    }

    struct List: AdminCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List join tokens (by id; secrets are not kept).")
        @OptionGroup var cluster: ClusterOptions
        @Option(help: "text, json or yaml.") var format: OutputFormat = .text

        func execute() throws(TetherError) {
            let tokens = try cluster.open().tokens.list()
            try Printing.emitResources(tokens.map(Resource.token), as: format) {
                TextTable(headers: ["ID", "TYPE", "NODE", "LABELS", "REUSABLE", "EXPIRES"], rows: tokens.map {
                    [$0.name, $0.spec.type.rawValue, $0.spec.node ?? "-", LabelText.format($0.spec.labels), $0.spec.reusable ? "yes" : "no",
                     Printing.time($0.metadata.expires)]
                })
            }
        }
    }

    struct Remove: AdminCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a join token by id (or by the token itself).")
        @OptionGroup var cluster: ClusterOptions
        @Argument(help: "The token id from tokens ls, or the token.") var token: String

        func execute() throws(TetherError) {
            try cluster.open().tokens.remove(token)
            print("token removed.")
        }
    }
}
