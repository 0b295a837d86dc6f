import Foundation
import TetherAPI
import TetherCore
import TetherPolicy
import TetherStorage

/// Locks that follow users across the federation. On a root: the locks a
/// leaf must apply to this cluster's users (`lockSet`). On a leaf: the copy
/// of each trusted root's set (`apply`), kept as this cluster's own lock
/// resources on `user` + `origin: ROOT`, so the leaf decides with them like
/// any lock, its nodes receive them with their access policy, and they end
/// the root users' open sessions here. Each copy is labelled with its root,
/// so the next push replaces exactly the copies of that root's set.
public struct RootLockMirror: Sendable {
    let resources: ClusterResources
    let audit: AuditTrail
    let watch: PolicyWatch

    /// The label that marks a lock copied from a root's set (value: the root).
    public static let mirroredFrom = "tether-mirrored-from"

    /// Root side: this cluster's locks on its own users, at the current generation.
    public func lockSet() throws(TetherError) -> RootLockSet {
        let generation = try watch.currentGeneration()
        var texts: [String] = []
        for lock in try resources.locks() where lock.spec.origin == nil && lock.metadata.labels[Self.mirroredFrom] == nil {
            guard case .user = lock.spec.target else { continue }
            texts.append(String(decoding: try ResourceEncoder.storageJSON(.lock(lock)), as: UTF8.self))
        }
        return RootLockSet(generation: generation, locks: texts)
    }

    /// Leaf side: makes this cluster's copies of `root`'s locks exactly
    /// `set`, auditing `lock.create` / `lock.delete` (with `origin`) for
    /// each copy made or lifted. Only user locks of the root's own users
    /// are taken: a root has no say over this cluster's nodes or users.
    public func apply(_ set: RootLockSet, from root: String) throws(TetherError) -> Int {
        var wanted: [String: Lock] = [:]
        for text in set.locks {
            guard case .lock(let lock) = try ResourceDecoder.decodeStored(kind: .lock, json: Data(text.utf8)),
                  case .user = lock.spec.target, lock.spec.origin == nil else { continue }
            let copy = Lock(
                metadata: ResourceMetadata(name: "\(root).\(lock.name)", labels: [Self.mirroredFrom: root], expires: lock.metadata.expires),
                spec: LockSpec(target: lock.spec.target, message: lock.spec.message, origin: root))
            wanted[copy.name] = copy
        }
        let held = try resources.locks().filter { $0.metadata.labels[Self.mirroredFrom] == root }
        for lock in held where wanted[lock.name] == nil {
            try resources.delete(.lock, lock.name)
            try record(AuthEvent.resource(ResourceKind.lock.rawValue, "delete"), lock, root: root)
        }
        let current = Dictionary(held.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for copy in wanted.values.sorted(by: { $0.name < $1.name }) where current[copy.name] != copy {
            try resources.put(.lock(copy), mode: .replace)
            try record(AuthEvent.lockCreate, copy, root: root)
        }
        return wanted.count
    }

    private func record(_ type: String, _ lock: Lock, root: String) throws(TetherError) {
        try audit.record(type) { event in
            if case .user(let user) = lock.spec.target { event.user = user }
            event.originCluster = root
            event.fields["name"] = .string(lock.name)
            event.fields["origin"] = .string(root)
            if let message = lock.spec.message { event.fields["message"] = .string(message) }
        }
    }
}
