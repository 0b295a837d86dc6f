import TetherCore

/// Sentences that send the user on to where what they asked for may be,
/// when the cluster they logged in to came up empty: its leaf clusters.
public enum LeafHints {
    /// For stderr, when `tether ls` of the cluster logged in to lists nothing
    /// although it has leaves; nil when it has none.
    public static func emptyListing(cluster: String, labels: Labels, leaves: [String]) -> String? {
        guard !leaves.isEmpty else { return nil }
        let matching = labels.isEmpty ? "" : " with labels \(LabelText.format(labels))"
        return "no node of cluster \(cluster)\(matching) is visible to you, but it has leaf clusters (\(leaves.joined(separator: ", "))): "
            + "run \(command(leaves) { "tether ls --cluster \($0)" }) to see a leaf's nodes, and tether clusters to see which leaves are online."
    }

    /// `tether play ID` when the cluster logged in to has no such recording
    /// but has leaves; nil when it has none.
    public static func sessionNotFound(_ sessionID: String, cluster: String, leaves: [String]) -> TetherError? {
        guard !leaves.isEmpty else { return nil }
        return TetherError(.notFound, "cluster \(cluster) has no recording of session \(sessionID); if it ran in a leaf cluster (\(leaves.joined(separator: ", "))), "
            + "run \(command(leaves) { "tether play --cluster \($0) \(sessionID)" }).")
    }

    /// `tether ssh NODE.SUFFIX` when neither a node of that name nor a cluster SUFFIX is known.
    static func unknownCluster(node: String, home: String, suffix: String, short: String) -> TetherError {
        TetherError(.notFound, "no node named \(node) in cluster \(home) is visible to you, and \(home) knows no cluster \(suffix); "
            + "run tether ls to see the nodes you can reach, or tether clusters for the names tether ssh --cluster NAME \(short) takes.")
    }

    /// The command for the one leaf there is, or with NAME for the user to choose.
    private static func command(_ leaves: [String], _ make: (String) -> String) -> String {
        make(leaves.count == 1 ? leaves[0] : "NAME")
    }
}
