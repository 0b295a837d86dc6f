import Foundation
import TetherCore
import Testing
@testable import TetherPolicy

@Suite("Encoding and round trips")
struct ResourceRoundTripTests {
    @Test("YAML, JSON and storage JSON decode back to the same resource", arguments: Samples.all + [Samples.tricky])
    func roundTrip(sample: Samples.Sample) throws {
        let resource = sample.expected
        #expect(try ResourceDecoder.decode(ResourceEncoder.yaml([resource]), source: "out.yaml") == [resource])
        #expect(try ResourceDecoder.decode(ResourceEncoder.json([resource]), source: "out.json") == [resource])
        let stored = try ResourceEncoder.storageJSON(resource)
        #expect(try ResourceDecoder.decodeStored(kind: resource.kind, json: stored) == resource)
    }

    @Test("many resources round-trip as one YAML stream and one JSON array")
    func streams() throws {
        let resources = Samples.all.map(\.expected)
        #expect(try ResourceDecoder.decode(ResourceEncoder.yaml(resources), source: "all.yaml") == resources)
        #expect(try ResourceDecoder.decode(ResourceEncoder.json(resources), source: "all.json") == resources)
    }

    @Test("storage JSON is compact and canonical")
    func canonicalStorage() throws {
        let role = Samples.role.expected
        let first = try ResourceEncoder.storageJSON(role)
        let text = String(decoding: first, as: UTF8.self)
        #expect(!text.contains("\n"))
        #expect(text.hasPrefix(#"{"kind":"role","metadata":{"description":"Field technicians for ACME","labels":{"team":"field"},"name":"acme-tech"},"spec":{"#))
        // Decoding and encoding again gives the same bytes.
        let again = try ResourceEncoder.storageJSON(ResourceDecoder.decodeStored(kind: .role, json: first))
        #expect(again == first)
    }

    @Test("YAML output is sorted and keeps single label values short")
    func yamlShape() throws {
        let role = Role(name: "acme-tech", spec: RoleSpec(allow: RoleConditions(logins: ["root"], nodeLabels: ["region": ["us-central"], "customer": ["acme", "globex"]])))
        let yaml = try ResourceEncoder.yaml([.role(role)])
        #expect(yaml == """
        kind: role
        metadata:
          labels: {}
          name: acme-tech
        spec:
          allow:
            logins:
            - root
            node_labels:
              customer:
              - acme
              - globex
              region: us-central
            rules: []
          deny:
            logins: []
            node_labels: {}
            rules: []
          options:
            max_session_ttl: 8h
        version: v1

        """)
    }

    @Test("timestamps are kept to the second")
    func timestamps() throws {
        let instant = Date(timeIntervalSince1970: 1_769_882_400.75)
        let lock = Resource.lock(Lock(metadata: ResourceMetadata(name: "l", expires: instant), spec: LockSpec(target: .user("alice"))))
        #expect(lock.metadata.expires == Date(timeIntervalSince1970: 1_769_882_400))
        #expect(try ResourceEncoder.json([lock]).contains(#""expires" : "2026-01-31T18:00:00Z""#))
    }

    @Test("validate() checks resources built in code")
    func validateInCode() {
        let bad = Resource.user(User(name: "bob", spec: UserSpec(roles: ["ops", "bad role"])))
        #expect(throws: TetherError(.invalidArgument, "user \"bob\", spec.roles[1]: \"bad role\" is not a valid role name; use at most 253 letters, digits and . _ @ -.")) {
            try bad.validate()
        }
        #expect(throws: Never.self) { try Samples.role.expected.validate() }
    }
}

extension Samples {
    /// Values YAML would happily read as numbers, booleans or null.
    static let tricky = Sample(
        kind: .node,
        yaml: "",
        json: "",
        expected: .node(NodeResource(
            metadata: ResourceMetadata(
                name: "robot-1",
                description: "line one\nline two: with a colon",
                labels: ["a": "true", "b": "null", "c": "010", "d": "1.5", "e": "~", "f": "", "g": "yes", "h": "#x", "i": "é ü"]
            ),
            spec: NodeSpec(addr: "10.0.0.7:3022", cmdLabels: ["k": CommandLabel(command: ["sh", "-c", "echo 'a: b'"], period: .minutes(5), result: "6.1.0")])
        ))
    )
}
