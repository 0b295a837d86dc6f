import Foundation
import NIOConcurrencyHelpers
import TetherCore
import TetherIdentity
import TetherTunnel
import X509

/// The root proxy's cached view of the leaves that trust its cluster,
/// refreshed with the node directory. A leaf removed on the root loses its
/// tunnel at the next refresh and cannot dial back: its CA is no longer trusted.
final class LeafDirectory: Sendable {
    private struct Entry {
        var leaf: LeafCluster
        var tlsCAs: [Certificate]
    }

    private let source: any FederationAuthority
    private let registry: TunnelRegistry
    private let entries = NIOLockedValueBox<[String: Entry]>([:])

    init(source: any FederationAuthority, registry: TunnelRegistry) {
        self.source = source
        self.registry = registry
    }

    func refresh() throws {
        let known = entries.withLockedValue { $0 }
        var fresh: [String: Entry] = [:]
        for leaf in try source.leafClusters() {
            // CA certificates are parsed once, not at every refresh.
            let certificates = try known[leaf.name].flatMap { $0.leaf.tlsCAPEMs == leaf.tlsCAPEMs ? $0.tlsCAs : nil }
                ?? leaf.tlsCAPEMs.flatMap { pem throws(TetherError) in try PEMCoding.certificates(fromPEM: pem) }
            fresh[leaf.name] = Entry(leaf: leaf, tlsCAs: certificates)
        }
        let removed = entries.withLockedValue { entries in
            defer { entries = fresh }
            return entries.keys.filter { fresh[$0] == nil }
        }
        for name in removed {
            registry.close(peerID: TunnelPeer.leaf(cluster: name).registryID)
        }
    }

    func leaf(named name: String) -> LeafCluster? {
        entries.withLockedValue { $0[name]?.leaf }
    }

    /// TLS CAs of every leaf, to verify leaf proxies' certificates.
    var tlsCAs: [Certificate] {
        entries.withLockedValue { $0.values.flatMap(\.tlsCAs) }
    }

    /// Every leaf's name, as of the last refresh.
    var names: [String] {
        entries.withLockedValue { Array($0.keys) }.sorted()
    }

    func isOnline(_ name: String) -> Bool {
        registry.status(of: TunnelPeer.leaf(cluster: name).registryID) != nil
    }

    /// The sentence for a leaf without a tunnel, from memory: it is said on
    /// an event loop, where a store read per refused request would be a
    /// cheap DoS. Its last-seen time is as of the last refresh.
    func offline(_ name: String) -> TetherError {
        let lastSeen = leaf(named: name)?.lastSeen.map { "last seen \($0.formatted(.iso8601))" } ?? "never seen online"
        return TetherError(.unavailable, "cluster \(name) is offline (\(lastSeen)).")
    }
}
