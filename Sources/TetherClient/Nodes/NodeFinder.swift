import TetherAPI
import TetherCore

/// The node `tether ssh` means. NAME is looked up in the cluster given
/// (default: the one logged in to). NAME.CLUSTER, the form `tether config`
/// teaches stock ssh, means node NAME of CLUSTER (this cluster or a leaf)
/// when no node is literally called NAME.CLUSTER.
struct NodeFinder {
    let api: ClusterAPI
    /// The cluster logged in to.
    let home: String

    func node(_ name: String, cluster: String?) async throws(TetherError) -> NodeSummary {
        let target = cluster ?? home
        do {
            return try await lookup(name, in: target)
        } catch where error.code == .notFound {
            guard let dot = name.lastIndex(of: "."), dot != name.startIndex, name.index(after: dot) != name.endIndex else { throw error }
            let short = String(name[..<dot])
            let suffix = String(name[name.index(after: dot)...])
            if suffix == target { return try await lookup(short, in: target) }
            guard cluster == nil else { throw error }
            guard try await api.clusters().contains(where: { $0.name == suffix }) else {
                throw LeafHints.unknownCluster(node: name, home: home, suffix: suffix, short: short)
            }
            return try await lookup(short, in: suffix)
        }
    }

    private func lookup(_ name: String, in cluster: String) async throws(TetherError) -> NodeSummary {
        try NodeSelection.node(named: name, in: try await api.nodes(cluster: cluster, named: name), cluster: cluster, inLeaf: cluster != home)
    }
}
