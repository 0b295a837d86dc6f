import TetherAPI
import TetherCore

/// Picking nodes out of the inventory: the listing's filter (the proxy
/// filters too; doing it here as well keeps the output right either way)
/// and the one node a user names.
public enum NodeSelection {
    /// Nodes of `cluster` carrying every label in `labels`, sorted by name.
    public static func matching(_ nodes: [NodeSummary], cluster: String, labels: Labels) -> [NodeSummary] {
        nodes
            .filter { node in node.cluster == cluster && labels.allSatisfy { key, value in node.labels[key] == value } }
            .sorted { ($0.name, $0.hostID) < ($1.name, $1.hostID) }
    }

    /// The node called `name` in `cluster` (`inLeaf`: a leaf of the cluster
    /// logged in to); names must be unambiguous.
    public static func node(named name: String, in nodes: [NodeSummary], cluster: String, inLeaf: Bool) throws(TetherError) -> NodeSummary {
        let candidates = nodes.filter { $0.cluster == cluster && $0.name == name }
        guard let node = candidates.first else {
            throw NodeVisibility.notVisible(name, cluster: cluster, inLeaf: inLeaf)
        }
        guard candidates.count == 1 else {
            throw TetherError(.invalidArgument, "\(candidates.count) nodes are named \(name) in cluster \(cluster); ask an administrator to give them distinct names.")
        }
        return node
    }
}
