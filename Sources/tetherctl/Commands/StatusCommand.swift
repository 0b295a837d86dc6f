import ArgumentParser
import TetherCLIKit
import TetherCore
import TetherPolicy

struct StatusCommand: AdminCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the cluster name, CA fingerprints and the TLS CA pin.")

    @OptionGroup var cluster: ClusterOptions
    @Option(help: "text, json or yaml.") var format: OutputFormat = .text

    struct Status: Encodable {
        var cluster: String
        var dataDir: String
        var sshUserCA: String
        var sshHostCA: String
        var tlsCAPin: String
        var users: Int
        var nodes: Int

        enum CodingKeys: String, CodingKey {
            case cluster, users, nodes
            case dataDir = "data_dir"
            case sshUserCA = "ssh_user_ca"
            case sshHostCA = "ssh_host_ca"
            case tlsCAPin = "tls_ca_pin"
        }
    }

    func execute() throws(TetherError) {
        let core = try cluster.open()
        let status = Status(
            cluster: core.cluster, dataDir: core.dataDirectory,
            sshUserCA: core.authority.fingerprint(of: .user), sshHostCA: core.authority.fingerprint(of: .host),
            tlsCAPin: core.authority.fingerprint(of: .tls),
            users: try core.users.list().count, nodes: try core.resources.nodes().count)
        try Printing.emit(status, as: format) {
            """
            Cluster:      \(status.cluster)
            Data dir:     \(status.dataDir)
            SSH user CA:  \(status.sshUserCA)
            SSH host CA:  \(status.sshHostCA)
            TLS CA pin:   \(status.tlsCAPin)
            Users:        \(status.users)
            Nodes:        \(status.nodes)
            """
        }
    }
}
