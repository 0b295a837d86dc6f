import Foundation
import TetherAPI
import TetherCore
import TetherIdentity
import TetherPolicy
import TetherStorage

/// Node heartbeats and the node listings users see.
public struct PresenceService: Sendable {
    let cluster: String
    let resources: ClusterResources
    let audit: AuditTrail
    let clock: any WallClock

    /// Records that the node `hostID` (from its verified certificate) is
    /// alive, with its current labels. Everything else a heartbeat says must
    /// be what the node joined with: its name, its host key (which clients
    /// pin) and its address (which the proxy dials); a node changes them only
    /// by joining again.
    public func heartbeat(_ heartbeat: Heartbeat, from hostID: String, remoteAddress: String?) throws(TetherError) {
        guard heartbeat.hostID == hostID else {
            let reason = "host \(hostID) sent a heartbeat for host \(heartbeat.hostID)"
            try audit.refusal(reason, remoteAddress: remoteAddress) { $0.node = heartbeat.name }
            throw TetherError(.accessDenied, reason + "; a node may only speak for itself.")
        }
        let node = try registeredNode(hostID: hostID, remoteAddress: remoteAddress, "sent a heartbeat")
        func refuse(_ reason: String, _ remedy: String) throws(TetherError) -> TetherError {
            try audit.refusal(reason, remoteAddress: remoteAddress) { event in
                event.node = node.name
                event.fields["host_id"] = .string(hostID)
            }
            return TetherError(.accessDenied, reason + "; " + remedy)
        }
        guard heartbeat.name == node.name else {
            throw try refuse("host \(hostID) is node \(node.name) but sent a heartbeat as \(heartbeat.name.debugDescription)",
                             "a node's name changes only by joining again under the new name.")
        }
        let key: SSHPublicKey
        do {
            key = try SSHPublicKey(authorizedKeyLine: heartbeat.sshHostKey)
        } catch {
            throw try refuse("node \(node.name) sent a heartbeat whose host key is not one public key (\(error.message))",
                             "send the single authorized-keys line of the node's host key.")
        }
        guard let joined = node.spec.sshHostKey.flatMap({ try? SSHPublicKey(authorizedKeyLine: $0) }), key == joined else {
            throw try refuse("node \(node.name) sent host key \(key.fingerprint), not the key it joined with",
                             "a node's host key changes only by joining again.")
        }
        guard heartbeat.tunnel == node.spec.tunnel, heartbeat.address == node.spec.addr else {
            throw try refuse("node \(node.name) reports \(Self.reach(heartbeat.tunnel, heartbeat.address)) but joined as \(Self.reach(node.spec.tunnel, node.spec.addr))",
                             "the proxy reaches a node only the way it joined; join it again to change its address.")
        }
        guard heartbeat.ttlSeconds > 0 else {
            throw TetherError(.invalidArgument, "the heartbeat TTL must be positive, got \(heartbeat.ttlSeconds) seconds.")
        }
        var updated = node
        updated.metadata.labels = heartbeat.labels
        updated.spec.sshHostKey = joined.authorizedKeyLine()
        updated.spec.lastSeen = clock.now()
        updated.spec.heartbeatTTL = TimeSpan(seconds: heartbeat.ttlSeconds)
        try resources.put(.node(updated), mode: .replace)
    }

    private static func reach(_ tunnel: Bool, _ address: String?) -> String {
        tunnel ? "a tunnel node" : "a direct node at \(address?.debugDescription ?? "no address")"
    }

    /// The node `hostID` is, or an audited refusal: a node removed by an
    /// administrator is refused at once, though its certificate still runs.
    /// `what` says what the host asked, e.g. "asked for the access policy".
    public func registeredNode(hostID: String, remoteAddress: String?, _ what: String) throws(TetherError) -> NodeResource {
        try RegisteredHosts(resources: resources, audit: audit).node(hostID: hostID, remoteAddress: remoteAddress, what)
    }

    /// The nodes `user`'s roles let them see (only those called `name`, if given).
    public func nodes(visibleTo user: TLSIdentity, named name: String? = nil) throws(TetherError) -> [NodeSummary] {
        let now = clock.now()
        return try visibleNodes(user: user.name, roles: user.roles).filter { name == nil || $0.name == name }.map { node in
            let lastSeen = node.spec.lastSeen
            let online = lastSeen.map { seen in
                seen.addingTimeInterval(node.spec.heartbeatTTL?.timeInterval ?? 0) > now
            } ?? false
            return NodeSummary(
                name: node.name, hostID: node.spec.hostID ?? "", cluster: cluster, labels: node.target.labels,
                tunnel: node.spec.tunnel, online: online,
                lastSeen: lastSeen.map { EventTime.format(milliseconds: EventTime.milliseconds($0)) } ?? "",
                sshHostKey: node.spec.sshHostKey ?? ""
            )
        }
    }

    /// The nodes a user holding `roles` sees in listings (and may be routed to).
    public func visibleNodes(user: String, roles: [String]) throws(TetherError) -> [NodeResource] {
        let checker = try resources.accessChecker(user: user, roleNames: roles, traits: [:], clock: clock)
        return try resources.nodes().filter { checker.canSee($0.target) }
    }
}
