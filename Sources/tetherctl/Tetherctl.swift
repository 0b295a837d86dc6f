import ArgumentParser

/// `tetherctl`: administration on an auth host, acting directly on the
/// auth service's data directory (safe while `tetherd` runs on it).
@main
struct Tetherctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tetherctl",
        abstract: "Administer a Tether cluster: users, roles, tokens, trusted clusters, locks and the audit log.",
        subcommands: [
            StatusCommand.self, UsersCommand.self, TokensCommand.self, CreateCommand.self, GetCommand.self,
            RemoveCommand.self, LockCommand.self, AuditCommand.self,
        ]
    )

    /// Accepts the cluster options before the subcommand as well as after it.
    static func main() async {
        await main(Self.placingClusterOptionsLast(Array(CommandLine.arguments.dropFirst())))
    }

    /// `--config FILE status` → `status --config FILE`: the options that say
    /// which cluster belong to every subcommand, so they move behind it.
    static func placingClusterOptionsLast(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var rest = arguments[...]
        while let option = rest.first {
            let name = String(option.prefix { $0 != "=" })
            guard ClusterOptions.names.contains(name) else { break }
            let width = option.contains("=") ? 1 : 2
            leading += rest.prefix(width)
            rest = rest.dropFirst(width)
        }
        return Array(rest) + leading
    }
}
