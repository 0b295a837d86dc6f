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

    @Option(name: .long, help: "The cluster name (with --data-dir).")
    var cluster: String?

    /// Opens the cluster's state, creating its authority if it has none yet.
    func open() throws(TetherError) -> AuthCore {
        let (cluster, dataDirectory) = try location()
        return try AuthCore(cluster: cluster, dataDirectory: dataDirectory)
    }

    private func location() throws(TetherError) -> (cluster: String, dataDirectory: String) {
        if let config {
            return try Self.read(config)
        }
        guard let dataDirectory, let cluster else {
            throw TetherError(.invalidArgument, "tetherctl needs --config FILE, or --data-dir DIR with --cluster NAME.")
        }
        return (cluster, dataDirectory)
    }

    /// Reads `cluster` and `data_dir` from the tetherd configuration, with a
    /// relative data_dir resolved exactly as tetherd resolves it.
    private static func read(_ path: String) throws(TetherError) -> (cluster: String, dataDirectory: String) {
        let configuration = try TetherdConfiguration.load(path: path)
        guard let cluster = configuration.cluster else {
            throw TetherError(.invalidArgument, "\(path): field cluster is missing; tetherctl runs on an auth host, whose configuration names the cluster.")
        }
        let workingDirectory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        return (cluster, configuration.dataDirectory(relativeTo: workingDirectory).path)
    }
}
