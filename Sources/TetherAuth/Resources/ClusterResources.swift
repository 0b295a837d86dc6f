import Foundation
import TetherCore
import TetherPolicy
import TetherStorage

/// Typed access to the cluster's resources in the store.
public struct ClusterResources: Sendable {
    public let store: any ResourceStore

    public init(store: any ResourceStore) { self.store = store }

    public func put(_ resource: Resource, mode: PutMode) throws(TetherError) {
        try resource.validate()
        try store.put(kind: resource.kind.rawValue, name: resource.name, json: try ResourceEncoder.storageJSON(resource),
                      expires: resource.metadata.expires, mode: mode)
    }

    public func get(_ kind: ResourceKind, _ name: String) throws(TetherError) -> Resource? {
        guard let stored = try store.get(kind: kind.rawValue, name: name) else { return nil }
        return try ResourceDecoder.decodeStored(kind: kind, json: stored.json)
    }

    public func list(_ kind: ResourceKind) throws(TetherError) -> [Resource] {
        var resources: [Resource] = []
        for stored in try store.list(kind: kind.rawValue) {
            resources.append(try ResourceDecoder.decodeStored(kind: kind, json: stored.json))
        }
        return resources
    }

    public func delete(_ kind: ResourceKind, _ name: String) throws(TetherError) {
        try store.delete(kind: kind.rawValue, name: name)
    }

    public func user(_ name: String) throws(TetherError) -> User? {
        guard case .user(let user)? = try get(.user, name) else { return nil }
        return user
    }

    public func node(_ name: String) throws(TetherError) -> NodeResource? {
        guard case .node(let node)? = try get(.node, name) else { return nil }
        return node
    }

    public func nodes() throws(TetherError) -> [NodeResource] {
        try list(.node).compactMap { if case .node(let node) = $0 { node } else { nil } }
    }

    /// The node whose certificates name `hostID`.
    public func node(hostID: String) throws(TetherError) -> NodeResource? {
        guard let stored = try store.node(hostID: hostID),
              case .node(let node) = try ResourceDecoder.decodeStored(kind: .node, json: stored.json) else { return nil }
        return node
    }

    public func locks() throws(TetherError) -> [Lock] {
        try list(.lock).compactMap { if case .lock(let lock) = $0 { lock } else { nil } }
    }

    /// The unexpired lock on `target` (a user of this cluster, or a node), if any.
    public func activeLock(on target: LockSpec.Target, at now: Date) throws(TetherError) -> Lock? {
        try locks().first { $0.spec.target == target && $0.spec.origin == nil && !$0.metadata.isExpired(at: now) }
    }

    /// The roles of `names` that exist. A role deleted after it was granted
    /// simply grants nothing any more.
    public func roles(named names: [String]) throws(TetherError) -> [Role] {
        var roles: [Role] = []
        for name in names {
            if case .role(let role)? = try get(.role, name) { roles.append(role) }
        }
        return roles
    }

    /// An access checker for `user` holding `roleNames`, with locks applied.
    public func accessChecker(user: String, roleNames: [String], traits: [String: [String]], clock: any WallClock) throws(TetherError) -> AccessChecker {
        try AccessChecker(
            subject: AccessSubject(user: user, roles: try roles(named: roleNames), traits: traits),
            additionalPolicies: [LockPolicy(locks: try locks(), clock: clock)]
        )
    }
}
