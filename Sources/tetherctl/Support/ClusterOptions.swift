import ArgumentParser
import Foundation
import TetherAuth
import TetherConfig
import TetherCore

/// Where the cluster's state is: the tetherd configuration file, or a data
/// directory and cluster name given directly.
struct ClusterOptions: ParsableArguments {
    @Option(name: .long, help: "The tetherd configuration file (its cluster and data_dir are used).")
    var config: String?

    @Option(name: .customLong("data-dir"), help: "The auth service's data directory (instead of --config).")
    var dataDirectory: String?

    @Option(name: .long, help: "The cluster name (with --data-dir; read from the directory once it holds a cluster).")
    var cluster: String?

    /// The options above, which administrators also write before the
    /// subcommand (`tetherctl --config FILE status`).
    static let names: Set<String> = ["--config", "--data-dir", "--cluster"]

    /// Opens the cluster's state, creating its authority if it has none yet.
    func open() throws(TetherError) -> AuthCore {
        let (cluster, dataDirectory, passwordCost) = try location()
        return try AuthCore(cluster: cluster, dataDirectory: dataDirectory, passwordCost: .scrypt(costExponent: passwordCost))
    }

    /// The cluster, its data directory and the cost of new password hashes
    /// (the configuration's, or the default with --data-dir).
    private func location() throws(TetherError) -> (cluster: String, dataDirectory: String, passwordCost: Int) {
        if let config {
            return try Self.read(config)
        }
        guard let dataDirectory else {
            throw TetherError(.invalidArgument, "tetherctl needs --config FILE (the tetherd configuration) or --data-dir DIR.")
        }
        let existing = try ClusterAuthority.existingCluster(in: AuthorityFiles(dataDirectory: dataDirectory))
        switch (existing, cluster) {
        case (let existing?, nil):
            return (existing, dataDirectory, AuthSection.defaultPasswordCost)
        case (nil, let cluster?), (_?, let cluster?):
            return (cluster, dataDirectory, AuthSection.defaultPasswordCost)  // a mismatch is refused when the authority loads
        case (nil, nil):
            throw TetherError(.invalidArgument, "\(dataDirectory) holds no cluster yet; add --cluster NAME to create one there, or give --config FILE.")
        }
    }

    /// Reads `cluster`, `data_dir` and `auth.password_cost` from the tetherd
    /// configuration, with a relative data_dir resolved exactly as tetherd
    /// resolves it.
    private static func read(_ path: String) throws(TetherError) -> (cluster: String, dataDirectory: String, passwordCost: Int) {
        let configuration = try TetherdConfiguration.load(path: path)
        guard let cluster = configuration.cluster else {
            throw TetherError(.invalidArgument, "\(path): field cluster is missing; tetherctl runs on an auth host, whose configuration names the cluster.")
        }
        let workingDirectory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let passwordCost = configuration.auth?.passwordCost ?? AuthSection.defaultPasswordCost
        return (cluster, configuration.dataDirectory(relativeTo: workingDirectory).path, passwordCost)
    }
}
