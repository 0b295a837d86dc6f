import TetherCore
import TetherPolicy

/// The hosts that are nodes of this cluster now. A host certificate lasts
/// 90 days, but a node an administrator removed (`tetherctl rm node/NAME`)
/// is refused at once wherever it speaks as a node: heartbeats, access-policy
/// fetches, renewals, tunnels.
struct RegisteredHosts: Sendable {
    let resources: ClusterResources
    let audit: AuditTrail

    /// The node `hostID` (from its verified certificate) is, or an audited
    /// refusal saying that `what` (e.g. "sent a heartbeat") needs one.
    func node(hostID: String, remoteAddress: String?, _ what: String) throws(TetherError) -> NodeResource {
        guard let node = try resources.node(hostID: hostID) else {
            let reason = "host \(hostID) \(what) but is no node of this cluster"
            try audit.refusal(reason, remoteAddress: remoteAddress) { $0.fields["host_id"] = .string(hostID) }
            throw TetherError(.accessDenied, reason + " (removed with tetherctl rm node/NAME?); join it again with a new token.")
        }
        return node
    }
}
