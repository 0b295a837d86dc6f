import TetherAPI
import TetherCore

/// The calls a joined node makes to its cluster, with its host certificate:
/// to the auth service (direct node) or through the proxy (tunnel node).
/// A protocol so that the loops built on it can be exercised against a
/// failing or flaky peer; `ClusterAPIClient` is the real one.
public protocol NodeClusterAPI: Sendable {
    func heartbeat(_ heartbeat: Heartbeat) async throws(TetherError)
    /// The access policy now, or (with `generation`) once it differs from
    /// that generation, or unchanged after `AccessPolicyQuery.longestHold`.
    func accessPolicy(after generation: Int64?) async throws(TetherError) -> AccessPolicySnapshot
    func uploadAudit(_ upload: AuditUpload) async throws(TetherError) -> AuditUploadResponse
}
