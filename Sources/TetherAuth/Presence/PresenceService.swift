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
    /// alive, with its current labels, address and host key.
    public func heartbeat(_ heartbeat: Heartbeat, from hostID: String, remoteAddress: String?) throws(TetherError) {
        guard heartbeat.hostID == hostID else {
            let reason = "host \(hostID) sent a heartbeat for host \(heartbeat.hostID)"
            try audit.refusal(reason, remoteAddress: remoteAddress) { $0.node = heartbeat.name }
            throw TetherError(.accessDenied, reason + "; a node may only speak for itself.")
        }
        guard let node = try resources.node(heartbeat.name), node.spec.hostID == hostID else {
            let reason = "host \(hostID) is not the node named \(heartbeat.name)"
            try audit.refusal(reason, remoteAddress: remoteAddress) { $0.node = heartbeat.name }
            throw TetherError(.accessDenied, reason + "; join again with a token under that name.")
        }
        guard heartbeat.ttlSeconds > 0 else {
            throw TetherError(.invalidArgument, "the heartbeat TTL must be positive, got \(heartbeat.ttlSeconds) seconds.")
        }
        var updated = node
        updated.metadata.labels = heartbeat.labels
        updated.spec.addr = heartbeat.address
        updated.spec.tunnel = heartbeat.tunnel
        updated.spec.sshHostKey = heartbeat.sshHostKey
        updated.spec.lastSeen = clock.now()
        updated.spec.heartbeatTTL = TimeSpan(seconds: heartbeat.ttlSeconds)
        try resources.put(.node(updated), mode: .replace)
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
