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
}
