import ArgumentParser
import Foundation
import TetherCLIKit
import TetherCore
import TetherStorage

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Search and verify the audit log.", subcommands: [Search.self, Verify.self])

    struct Search: AdminCommand {
        static let configuration = CommandConfiguration(commandName: "search", abstract: "Find audit events.")
        @OptionGroup var cluster: ClusterOptions
        @Option(help: "Event types, comma separated (e.g. session.start).") var type: String?
        @Option(help: "Only events of this user.") var user: String?
        @Option(help: "Only events on this node.") var node: String?
        @Option(help: "Node labels the event must carry, k=v,...") var labels: String?
        @Option(help: "RFC 3339 time or a duration back from now, e.g. 90d.") var since: String?
        @Option(help: "At most this many (the newest).") var limit: Int?
        @Option(help: "text, json or yaml.") var format: OutputFormat = .text

        func execute() throws(TetherError) {
            let core = try cluster.open()
            if let limit, limit <= 0 {
                throw TetherError(.invalidArgument, "--limit must be positive, got \(limit).")
            }
            let query = AuditQuery(
                since: try since.map { (text: String) throws(TetherError) -> Date in try Self.instant(text, now: core.clock.now()) },
                types: (type ?? "").split(separator: ",").map(String.init),
                user: user, node: node, labels: try LabelText.parse(labels ?? ""), limit: limit, order: .newestFirst)
            let records = Array(try core.admin.searchAudit(query).reversed())
            try Printing.emit(records.map(\.jsonValue), as: format) { AuditTable.render(records).render() }
        }

        static func instant(_ text: String, now: Date) throws(TetherError) -> Date {
            if let date = try? Date(text, strategy: .iso8601) { return date }
            guard let span = try? TimeSpan(parsing: text) else {
                throw TetherError(.invalidArgument, "--since \"\(text)\" is neither an RFC 3339 time (2025-01-31T00:00:00Z) nor a duration (90d).")
            }
            return now.addingTimeInterval(-span.timeInterval)
        }
    }

    struct Verify: AdminCommand {
        static let configuration = CommandConfiguration(commandName: "verify", abstract: "Check the audit log's hash chain end to end.")
        @OptionGroup var cluster: ClusterOptions

        func execute() throws(TetherError) {
            let verification = try cluster.open().admin.verifyAudit()
            guard verification.isIntact else {
                throw TetherError(.verificationFailed, "\(verification); the log was tampered with after that record was written.")
            }
            print(verification)
        }
    }
}
