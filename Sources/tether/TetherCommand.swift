import ArgumentParser

/// `tether`: the engineer's command (log in, list nodes, connect, replay).
@main
struct TetherCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tether",
        abstract: "Identity-based SSH access to nodes behind NAT, through a Tether proxy.",
        discussion: "The profile (keys, certificates, known CAs) lives in ~/.tether, or in $TETHER_HOME when set.",
        subcommands: [
            LoginCommand.self, StatusCommand.self, LogoutCommand.self, ClustersCommand.self, ListCommand.self,
            SSHCommand.self, ConfigCommand.self, ProxyCommand.self, PlayCommand.self,
        ]
    )
}
