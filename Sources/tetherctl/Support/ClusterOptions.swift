import ArgumentParser
import Foundation
import TetherAuth
import TetherCore
import Yams

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

    /// Reads `cluster` and `data_dir`; a relative data_dir is taken from
    /// the current directory, as tetherd does.
    private static func read(_ path: String) throws(TetherError) -> (cluster: String, dataDirectory: String) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw TetherError(.notFound, "cannot read the configuration file \(path); check the path.")
        }
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw TetherError(.invalidArgument, "\(path) is not valid YAML: \(error).")
        }
        guard let fields = document as? [String: Any] else {
            throw TetherError(.invalidArgument, "\(path) must be a YAML mapping with cluster and data_dir.")
        }
        guard let cluster = fields["cluster"] as? String, !cluster.isEmpty else {
            throw TetherError(.invalidArgument, "\(path): field cluster is missing; name the cluster, e.g. cluster: acme-dallas.")
        }
        guard let dataDirectory = fields["data_dir"] as? String, !dataDirectory.isEmpty else {
            throw TetherError(.invalidArgument, "\(path): field data_dir is missing; give the directory tetherd keeps its state in.")
        }
        return (cluster, URL(fileURLWithPath: dataDirectory).standardizedFileURL.path)
    }
}
