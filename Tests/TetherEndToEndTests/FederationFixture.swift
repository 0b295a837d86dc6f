import Foundation
import TetherTestSupport

/// A root cluster `hub` and two leaves, `acme` and `globex`, as real
/// processes, each leaf with a tunnel node called `node-a` (the same name in
/// both). alice (hub role `acme-support`) maps into acme through the regex
/// `^acme-(.*)$ → site-$1`; globex maps only `globex-support`. The hub's own
/// node, `hub-node`, carries labels no hub role allows: alice sees no node
/// at the root.
final class FederationFixture: StoppableFixture {
    let hub: ClusterFixture
    let acme: ClusterFixture
    let globex: ClusterFixture

    static let hubRoles = """
        kind: role
        version: v1
        metadata: {name: acme-support}
        spec:
          allow:
            logins: ["{{internal.logins}}"]
            node_labels: {customer: msp}
        ---
        kind: role
        version: v1
        metadata: {name: globex-support}
        spec:
          allow:
            logins: ["{{internal.logins}}"]
            node_labels: {customer: msp}
        """

    /// A leaf role admitting `customer` nodes, with session recordings readable.
    static func leafRoles(_ role: String, customer: String) -> String {
        """
        kind: role
        version: v1
        metadata: {name: \(role)}
        spec:
          allow:
            logins: ["{{internal.logins}}"]
            node_labels: {customer: \(customer)}
            rules:
              - {resources: [session], verbs: [read]}
          options:
            max_session_ttl: 30m
        """
    }

    init() async throws {
        var started: [ClusterFixture] = []
        do {
            let hub = try await ClusterFixture(
                cluster: "hub", roles: Self.hubRoles, users: [("alice", "acme-support")],
                nodes: [.init(name: "hub-node", labels: "{customer: hq}")])
            started.append(hub)
            let acme = try await ClusterFixture(
                cluster: "acme", roles: Self.leafRoles("site-support", customer: "acme"), users: [],
                nodes: [.init(name: "node-a", labels: "{customer: acme, site: dallas}")])
            started.append(acme)
            let globex = try await ClusterFixture(
                cluster: "globex", roles: Self.leafRoles("globex-access", customer: "globex"), users: [],
                nodes: [.init(name: "node-a", labels: "{customer: globex, site: plant}")])
            started.append(globex)
            (self.hub, self.acme, self.globex) = (hub, acme, globex)
            try await trust(from: acme, roleMap: #"- {remote: "^acme-(.*)$", local: ["site-$1"]}"#)
            try await trust(from: globex, roleMap: "- {remote: globex-support, local: [globex-access]}")
        } catch {
            for cluster in started { await cluster.stop() }
            throw error
        }
    }

    func stop() async {
        for cluster in [hub, acme, globex] { await cluster.stop() }
    }

    /// The trusted_cluster resource `leaf` holds for the hub.
    /// A trusted_cluster naming hub; without a token it can only rewrite an established trust.
    func trustedCluster(token: String?, roleMap: String, enabled: Bool = true) -> String {
        ClusterBootstrap.trustedCluster(
            root: "hub", token: token, proxyAddress: "127.0.0.1:\(hub.proxyPort)", caPin: hub.caPin, roleMap: roleMap, enabled: enabled)
    }

    /// Makes a trust token on the hub and establishes `leaf`'s trust with it.
    @discardableResult
    func trust(from leaf: ClusterFixture, roleMap: String) async throws -> CommandResult {
        let token = try await hubToken()
        _ = try leaf.directory.write(trustedCluster(token: token, roleMap: roleMap), to: "trusted-hub.yaml")
        let created = try await leaf.tetherctl(["create", leaf.directory.path("trusted-hub.yaml")])
        try ClusterBootstrap.expectSuccess(created, "create trusted_cluster")
        return created
    }

    func hubToken() async throws -> String { try await hub.admin.token("trusted_cluster") }

    /// `tether clusters` as alice, decoded to name → online.
    func clusterStatus() async throws -> [String: Bool] {
        let listing = try await hub.tether(["clusters", "--format", "json"])
        guard listing.status == 0, let entries = try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [[String: Any]] else {
            return [:]
        }
        return Dictionary(uniqueKeysWithValues: entries.compactMap { entry in
            (entry["name"] as? String).map { ($0, entry["online"] as? Bool ?? false) }
        })
    }

    /// Event types in `cluster`'s audit log, oldest first.
    func auditEvents(of cluster: ClusterFixture, type: String? = nil) async throws -> [[String: Any]] {
        let search = try await cluster.tetherctl(["audit", "search", "--format", "json", "--limit", "10000"] + (type.map { ["--type", $0] } ?? []))
        try ClusterBootstrap.expectSuccess(search, "audit search")
        return (try JSONSerialization.jsonObject(with: Data(search.stdout.utf8)) as? [[String: Any]]) ?? []
    }
}
