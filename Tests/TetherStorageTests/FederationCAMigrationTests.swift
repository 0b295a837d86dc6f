import Foundation
import TetherCore
import TetherStorage
import Testing

/// Databases written before roots' and leaves' CAs had namespaces of their
/// own: every `TYPE@CLUSTER` row moves to the namespace of the cluster's
/// relation, and a name held by both a root and a leaf loses its CAs.
struct FederationCAMigrationTests {
    private static func resource(_ kind: String, _ name: String, spec: String = "{}") -> Data {
        Data(#"{"kind":"\#(kind)","version":"v1","metadata":{"name":"\#(name)"},"spec":\#(spec)}"#.utf8)
    }

    @Test func oldCANamesMoveToTheirClustersNamespaceAndAClashingNameLosesThem() throws {
        let directory = try DatabaseDirectory()
        do {
            let store = try SQLiteStore(path: directory.database)
            for (kind, name) in [("trusted_cluster", "hub"), ("remote_cluster", "acme"), ("trusted_cluster", "twin"), ("remote_cluster", "twin")] {
                try store.put(kind: kind, name: name, json: Self.resource(kind, name), expires: nil, mode: .createOnly)
            }
            for name in ["user", "tls", "user@hub", "tls@hub", "tls@acme", "user@acme", "user@twin", "tls@twin", "tls@gone"] {
                try store.put(kind: "cert_authority", name: name, json: Self.resource("cert_authority", name), expires: nil, mode: .createOnly)
            }
        }
        // As written by the version before the migration.
        let rewound = try sqliteShell(directory.database, "DELETE FROM grdb_migrations WHERE identifier = 'v5-federation-ca-namespaces';")
        #expect(rewound.status == 0, "\(rewound.output)")

        let store = try SQLiteStore(path: directory.database)
        let names = try store.list(kind: "cert_authority").map(\.name)
        #expect(names == ["leaf.tls@acme", "leaf.user@acme", "root.tls@hub", "root.user@hub", "tls", "tls@gone", "user"])
        let moved = try #require(try store.get(kind: "cert_authority", name: "root.user@hub"))
        let json = try #require(try JSONSerialization.jsonObject(with: moved.json) as? [String: Any])
        #expect((json["metadata"] as? [String: Any])?["name"] as? String == "root.user@hub")
    }
}
