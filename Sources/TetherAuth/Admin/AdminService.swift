import Foundation
import TetherAPI
import TetherCore
import TetherPolicy
import TetherStorage

/// What `tetherctl` does besides users and tokens: resources, locks and the
/// audit log.
public struct AdminService: Sendable {
    let resources: ClusterResources
    let log: any AuditLog
    let audit: AuditTrail
    let clock: any WallClock
    let leaves: LeafRegistry
    let trusts: TrustedRoots

    /// Kinds the auth service manages itself and administrators may not write.
    static let managedKinds: Set<ResourceKind> = [.certAuthority]
    /// Kinds that come into being only through the trust handshake
    /// (`TrustedRoots.establish` on the leaf, registration on the root).
    static let handshakeKinds: Set<ResourceKind> = [.trustedCluster, .remoteCluster]

    /// Stores `items` (`replace` overwrites existing ones), auditing
    /// `<kind>.create` for each.
    public func create(_ items: [Resource], replace: Bool) throws(TetherError) {
        for resource in items {
            guard !Self.managedKinds.contains(resource.kind) else {
                throw TetherError(.invalidArgument, "\(resource.kind) resources are managed by the auth service and cannot be created.")
            }
            guard !Self.handshakeKinds.contains(resource.kind) else {
                throw TetherError(.invalidArgument, "\(resource.kind) resources are made by the trust handshake: create a trusted_cluster with tetherctl create on the leaf.")
            }
            if case .user(let user) = resource {
                for role in user.spec.roles where try resources.get(.role, role) == nil {
                    throw TetherError(.notFound, "user \(user.name) names role \(role), which does not exist; create the role first.")
                }
            }
            try resources.put(resource, mode: replace ? .replace : .createOnly)
            try audit.record(AuthEvent.resource(resource.kind.rawValue, "create")) { event in
                event.fields["name"] = .string(resource.name)
                if case .user(let user) = resource { event.user = user.name }
            }
        }
    }

    /// Every resource of `kind`, or only `name`.
    public func get(_ kind: ResourceKind, name: String?) throws(TetherError) -> [Resource] {
        guard let name else { return try resources.list(kind) }
        guard let resource = try resources.get(kind, name) else {
            throw TetherError(.notFound, "there is no \(kind) named \(name); list them with tetherctl get \(kind.plural).")
        }
        return [resource]
    }

    public func remove(_ kind: ResourceKind, name: String) throws(TetherError) {
        guard !Self.managedKinds.contains(kind) else {
            throw TetherError(.invalidArgument, "\(kind) resources are managed by the auth service and cannot be removed.")
        }
        switch kind {
        case .trustedCluster: try trusts.remove(name)
        case .remoteCluster: try leaves.remove(name)
        default:
            try resources.delete(kind, name)
            try audit.record(AuthEvent.resource(kind.rawValue, "delete")) { $0.fields["name"] = .string(name) }
            if kind == .node { try closeSessions(ofRemovedNode: name) }
        }
    }

    /// A removed node's uploads are refused, so the `session.end` of a
    /// session it was serving would never arrive: auth writes it
    /// (`reason: node removed`). A node that is gone for good is closed this way.
    private func closeSessions(ofRemovedNode name: String) throws(TetherError) {
        let starts = try log.search(AuditQuery(types: ["session.start"], node: name))
        var ends: [AuditEvent] = []
        for start in starts {
            guard let sessionID = start.event.sessionID,
                  try log.search(AuditQuery(types: ["session.end"], sessionID: sessionID, limit: 1)).isEmpty else { continue }
            ends.append(start.event.interruptedSessionEnd(reason: "node removed", at: clock.now()))
        }
        try log.append(ends)
    }

    /// Locks a user (of `origin`, a trusted root, or of this cluster) or a
    /// node out, for `ttl` or until the lock is removed.
    public func lock(_ target: LockSpec.Target, origin: String? = nil, ttl: TimeSpan?, message: String?) throws(TetherError) -> Lock {
        if let origin, try resources.get(.trustedCluster, origin) == nil {
            throw TetherError(.notFound, "cluster \(origin) is not a root this cluster trusts, so it has no users here; tetherctl get trusted_clusters lists the roots.")
        }
        let expires = ttl.map { clock.now().addingTimeInterval($0.timeInterval) }
        let lock = Lock(
            metadata: ResourceMetadata(name: "lock-" + UUID().uuidString.lowercased().prefix(8), expires: expires),
            spec: LockSpec(target: target, message: message, origin: origin)
        )
        try resources.put(.lock(lock), mode: .createOnly)
        try audit.record(AuthEvent.lockCreate) { event in
            switch target {
            case .user(let user): event.user = user
            case .node(let node): event.node = node
            }
            event.originCluster = origin
            event.fields["name"] = .string(lock.name)
            if let origin { event.fields["origin"] = .string(origin) }
            if let message { event.fields["message"] = .string(message) }
        }
        return lock
    }

    public func searchAudit(_ query: AuditQuery) throws(TetherError) -> [AuditRecord] {
        try log.search(query)
    }

    public func verifyAudit() throws(TetherError) -> AuditVerification {
        try log.verify()
    }

    /// Roles, locks and users for nodes' own decisions, at `generation` or newer
    /// (read the generation first, then this).
    public func accessPolicy(generation: Int64? = nil) throws(TetherError) -> AccessPolicySnapshot {
        func encoded(_ kind: ResourceKind) throws(TetherError) -> [String] {
            var texts: [String] = []
            for resource in try resources.list(kind) {
                texts.append(String(decoding: try ResourceEncoder.storageJSON(resource), as: UTF8.self))
            }
            return texts
        }
        return AccessPolicySnapshot(
            roles: try encoded(.role), locks: try encoded(.lock), users: try encoded(.user),
            generatedAt: EventTime.format(milliseconds: EventTime.milliseconds(clock.now())),
            generation: generation
        )
    }
}
