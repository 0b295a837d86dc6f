import Foundation
import TetherCore
import Testing
@testable import TetherPolicy

@Suite("Decoding resources")
struct ResourceDecodingTests {
    @Test("the product.md role decodes with every field")
    func productRole() throws {
        let resources = try ResourceDecoder.decode(ProductExamples.roleAndTrustedClusterWithPin, source: "product.yaml")
        #expect(resources.map(\.kind) == [.role, .trustedCluster])
        guard case .role(let role) = resources[0] else { Issue.record("not a role"); return }
        #expect(role.name == "acme-field-tech")
        #expect(role.spec.allow.logins == ["diagnostics", "readonly", "{{internal.logins}}"])
        #expect(role.spec.allow.nodeLabels == ["customer": ["acme"], "region": ["us-central", "us-east"]])
        #expect(role.spec.deny.nodeLabels == ["lifecycle": ["decommissioned"]])
        #expect(role.spec.deny.logins.isEmpty)
        #expect(role.spec.options == RoleOptions(maxSessionTTL: .hours(8), portForwarding: false))
    }

    @Test("the product.md trusted cluster decodes with its role map")
    func productTrustedCluster() throws {
        let resources = try ResourceDecoder.decode(ProductExamples.roleAndTrustedClusterWithPin, source: "product.yaml")
        guard case .trustedCluster(let cluster) = resources[1] else { Issue.record("not a trusted cluster"); return }
        #expect(cluster.name == "hub")
        #expect(cluster.spec == TrustedClusterSpec(
            enabled: true,
            token: "5b1e...",
            proxyAddr: "hub.example.test:3080",
            caPin: ProductExamples.pin,
            roleMap: [
                RoleMapEntry(remote: "admin", local: ["access"]),
                RoleMapEntry(remote: "^acme-(.*)$", local: ["site-$1"]),
            ]
        ))
    }

    @Test("the verbatim product.md text fails only on its elided CA pin, naming it")
    func productVerbatimPin() {
        #expect(throws: TetherError.self) {
            try ResourceDecoder.decode(ProductExamples.roleAndTrustedCluster, source: "product.yaml")
        }
        let message = decodeError(ProductExamples.roleAndTrustedCluster, source: "product.yaml")
        #expect(message.hasPrefix("product.yaml, document 2, line 21, spec.ca_pin: \"sha256:...\" is not a CA pin"))
    }

    @Test("every kind decodes from YAML and from JSON to the same value", arguments: Samples.all)
    func everyKind(sample: Samples.Sample) throws {
        let fromYAML = try ResourceDecoder.decode(sample.yaml, source: "\(sample.kind).yaml")
        let fromJSON = try ResourceDecoder.decode(sample.json, source: "\(sample.kind).json")
        #expect(fromYAML == [sample.expected])
        #expect(fromJSON == [sample.expected])
        #expect(fromYAML.first?.kind == sample.kind)
    }

    @Test("a JSON array holds several resources")
    func jsonArray() throws {
        let text = "[" + Samples.all.map(\.json).joined(separator: ",") + "]"
        #expect(try ResourceDecoder.decode(text, source: "all.json") == Samples.all.map(\.expected))
    }

    @Test("defaults apply where fields are left out")
    func defaults() throws {
        let text = """
        kind: role
        version: v1
        metadata: {name: minimal}
        spec: {}
        ---
        kind: trusted_cluster
        version: v1
        metadata: {name: hub}
        spec: {token: t, proxy_addr: "hub:3080"}
        ---
        kind: token
        version: v1
        metadata: {name: abc}
        spec: {type: node}
        """
        let resources = try ResourceDecoder.decode(text, source: "defaults.yaml")
        #expect(resources[0] == .role(Role(name: "minimal", spec: RoleSpec())))
        #expect(RoleSpec().options.maxSessionTTL == .hours(8))
        #expect(RoleSpec().options.portForwarding == nil)
        #expect(resources[1] == .trustedCluster(TrustedCluster(name: "hub", spec: TrustedClusterSpec(token: "t", proxyAddr: "hub:3080"))))
        #expect(TrustedClusterSpec(token: "t", proxyAddr: "hub:3080").enabled)
        #expect(resources[2] == .token(Token(name: "abc", spec: TokenSpec(type: .node, reusable: false))))
    }

    @Test("explicit nulls count as absent fields")
    func nulls() throws {
        let text = """
        kind: user
        version: v1
        metadata: {name: alice, description: null, expires: ~}
        spec: {roles: [ops], traits: null}
        """
        #expect(try ResourceDecoder.decode(text, source: "u.yaml") == [.user(User(name: "alice", spec: UserSpec(roles: ["ops"])))])
    }

    @Test("empty documents are skipped, but a file with none is refused")
    func emptyDocuments() throws {
        let text = "---\n" + Samples.user.yaml + "\n---\n"
        #expect(try ResourceDecoder.decode(text, source: "u.yaml") == [Samples.user.expected])
        #expect(decodeError("# nothing here\n", source: "empty.yaml") == "empty.yaml: there are no resources; write at least one with kind, version, metadata and spec.")
    }

    @Test("a stored record must have the kind it was stored under")
    func storedKindMismatch() throws {
        let json = try ResourceEncoder.storageJSON(Samples.user.expected)
        #expect(throws: TetherError.self) { try ResourceDecoder.decodeStored(kind: .role, json: json) }
        #expect(try ResourceDecoder.decodeStored(kind: .user, json: json) == Samples.user.expected)
    }

    @Test("kinds are accepted singular or plural")
    func kindArguments() {
        #expect(ResourceKind(argument: "roles") == .role)
        #expect(ResourceKind(argument: "trusted_cluster") == .trustedCluster)
        #expect(ResourceKind(argument: "cas") == .certAuthority)
        #expect(ResourceKind(argument: "widgets") == nil)
    }
}

/// The message of the error decoding `text` throws ("" if none).
func decodeError(_ text: String, source: String = "test.yaml") -> String {
    do {
        _ = try ResourceDecoder.decode(text, source: source)
        return ""
    } catch {
        return error.message
    }
}
