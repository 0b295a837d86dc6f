import Testing
@testable import TetherPolicy

/// Bad input must fail with one sentence naming the source, the document
/// (when there are several), the line and the field.
@Suite("Decoding errors")
struct ResourceErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var message: String
        var testDescription: String { name }
    }

    /// A role whose `spec` is `specLines` (indented by two), starting on line 5.
    static func role(_ specLines: String, header: String = "kind: role\nversion: v1\nmetadata: {name: ops}") -> String {
        header + "\nspec:\n" + specLines.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }

    static func trustedCluster(_ roleMap: String) -> String {
        """
        kind: trusted_cluster
        version: v1
        metadata: {name: hub}
        spec:
          token: abc
          proxy_addr: hub.example.test:3080
          role_map:
        \(roleMap)
        """
    }

    static let cases: [Case] = [
        Case(
            name: "wrong type",
            text: role("allow:\n  logins: root"),
            message: "t.yaml, line 6, spec.allow.logins: expected a list, found \"root\"."
        ),
        Case(
            name: "unknown field",
            text: role("allow:\n  logins: [root]\n  node_lables: {env: dev}"),
            message: "t.yaml, line 7, spec.allow.node_lables: unknown field (known fields here: logins, node_labels, rules); fix the spelling or remove it."
        ),
        Case(
            name: "unknown top-level field",
            text: role("{}") + "\nstatus: active",
            message: "t.yaml, line 6, status: unknown field (known fields here: kind, metadata, spec, version); fix the spelling or remove it."
        ),
        Case(
            name: "bad version",
            text: role("{}", header: "kind: role\nversion: v2\nmetadata: {name: ops}"),
            message: "t.yaml, line 2, version: unsupported version \"v2\"; this build supports v1."
        ),
        Case(
            name: "unknown kind",
            text: "kind: robot\nversion: v1\nmetadata: {name: r}\nspec: {}",
            message: "t.yaml, line 1, kind: unknown kind \"robot\"; use one of role, user, token, trusted_cluster, remote_cluster, node, cert_authority, lock."
        ),
        Case(
            name: "missing name",
            text: role("{}", header: "kind: role\nversion: v1\nmetadata:\n  description: no name"),
            message: "t.yaml, line 4, metadata.name: this required field is missing; add it."
        ),
        Case(
            name: "empty name",
            text: role("{}", header: "kind: role\nversion: v1\nmetadata: {name: \"\"}"),
            message: "t.yaml, line 3, metadata.name: the role name is empty; give a name of letters, digits and . _ @ -."
        ),
        Case(
            name: "insane name",
            text: role("{}", header: "kind: role\nversion: v1\nmetadata: {name: \"ops team/1\"}"),
            message: "t.yaml, line 3, metadata.name: \"ops team/1\" is not a valid role name; use at most 253 letters, digits and . _ @ -."
        ),
        Case(
            name: "bad regex",
            text: role("allow:\n  node_labels:\n    region: \"^us-($\""),
            message: "t.yaml, line 7, spec.allow.node_labels.region: \"^us-($\" is not a valid regular expression; fix it or write an exact value."
        ),
        Case(
            name: "bad regex in a list points at the item",
            text: role("allow:\n  node_labels:\n    region:\n      - us-east\n      - \"^us-($\""),
            message: "t.yaml, line 9, spec.allow.node_labels.region[1]: \"^us-($\" is not a valid regular expression; fix it or write an exact value."
        ),
        Case(
            name: "half-anchored regex",
            text: role("deny:\n  node_labels: {region: \"^us-.*\"}"),
            message: "t.yaml, line 6, spec.deny.node_labels.region: \"^us-.*\" looks like a regular expression but is not anchored at both ends; write ^...$ to match the whole value."
        ),
        Case(
            name: "glob in a label value",
            text: role("allow:\n  node_labels: {region: \"us-*\"}"),
            message: "t.yaml, line 6, spec.allow.node_labels.region: \"us-*\" mixes * with text, but * only stands alone for any value; write a regular expression such as ^us-.*$ instead."
        ),
        Case(
            name: "malformed login template",
            text: role("allow:\n  logins: [root, \"{{internal}}\"]"),
            message: "t.yaml, line 6, spec.allow.logins[1]: login \"{{internal}}\" uses an unknown template; write {{internal.KEY}} or {{external.KEY}}, e.g. {{internal.logins}}."
        ),
        Case(
            name: "unclosed login template",
            text: role("deny:\n  logins:\n    - \"{{external.team\""),
            message: "t.yaml, line 7, spec.deny.logins[0]: login \"{{external.team\" opens {{ without a closing }}; write templates as {{internal.logins}}."
        ),
        Case(
            name: "bad duration",
            text: role("options: {max_session_ttl: 8x}"),
            message: "t.yaml, line 5, spec.options.max_session_ttl: \"8x\" is not a duration; write a number followed by s, m, h or d, e.g. 90s, 15m, 8h, 90d or 1h30m."
        ),
        Case(
            name: "not a boolean",
            text: role("options:\n  port_forwarding: maybe"),
            message: "t.yaml, line 6, spec.options.port_forwarding: expected true or false, found \"maybe\"."
        ),
        Case(
            name: "local star",
            text: trustedCluster("    - {remote: admin, local: \"*\"}"),
            message: "t.yaml, line 8, spec.role_map[0].local[0]: local role \"*\" would grant every local role; name the roles to grant."
        ),
        Case(
            name: "empty local",
            text: trustedCluster("    - {remote: admin, local: [access]}\n    - {remote: dev, local: []}"),
            message: "t.yaml, line 9, spec.role_map[1].local: no local roles are listed; name at least one role to grant, or remove the entry."
        ),
        Case(
            name: "capture beyond the pattern",
            text: trustedCluster("    - {remote: \"^acme-(.*)$\", local: [\"site-$2\"]}"),
            message: "t.yaml, line 8, spec.role_map[0].local[0]: local role \"site-$2\" uses $2 but the remote pattern captures 1 part(s)."
        ),
        Case(
            name: "bad regex in role map",
            text: trustedCluster("    - {remote: \"^acme-(.*$\", local: [x]}"),
            message: "t.yaml, line 8, spec.role_map[0].remote: \"^acme-(.*$\" is not a valid regular expression; fix it or write an exact value."
        ),
        Case(
            name: "proxy address without port",
            text: "kind: trusted_cluster\nversion: v1\nmetadata: {name: hub}\nspec:\n  token: abc\n  proxy_addr: hub.example.test",
            message: "t.yaml, line 6, spec.proxy_addr: \"hub.example.test\" is not host:port; write it like proxy.example.test:3080 or [::1]:3080."
        ),
        Case(
            name: "lock with two targets",
            text: "kind: lock\nversion: v1\nmetadata: {name: l}\nspec:\n  target: {user: alice, node: robot-17}",
            message: "t.yaml, line 5, spec.target: a lock targets exactly one of user or node; give one of them."
        ),
        Case(
            name: "bad timestamp",
            text: "kind: lock\nversion: v1\nmetadata: {name: l, expires: tomorrow}\nspec:\n  target: {user: alice}",
            message: "t.yaml, line 3, metadata.expires: \"tomorrow\" is not a timestamp; write RFC 3339 UTC time such as 2026-01-31T18:00:00Z."
        ),
        Case(
            name: "unknown word",
            text: "kind: token\nversion: v1\nmetadata: {name: t}\nspec: {type: robot}",
            message: "t.yaml, line 4, spec.type: \"robot\" is not one of node, trusted_cluster."
        ),
        Case(
            name: "missing required spec field",
            text: "kind: token\nversion: v1\nmetadata: {name: t}\nspec:\n  reusable: true",
            message: "t.yaml, line 5, spec.type: this required field is missing; add it."
        ),
        Case(
            name: "document number when there are several",
            text: Samples.user.yaml + "\n---\n" + role("allow:\n  logins: root"),
            message: "t.yaml, document 2, line 15, spec.allow.logins: expected a list, found \"root\"."
        ),
        Case(
            name: "not YAML",
            text: "kind: role\nversion: v1\nmetadata: {name: ops\nspec: {}",
            message: "t.yaml, line 4: the text is neither valid YAML nor JSON (did not find expected ',' or '}'); check indentation, quoting and brackets."
        ),
        Case(
            name: "duplicate key",
            text: "kind: role\nversion: v1\nmetadata: {name: ops}\nspec: {}\nspec: {}",
            message: "t.yaml, line 4: key \"spec\" appears more than once in the same mapping; keep one."
        ),
        Case(
            name: "not a resource",
            text: "just some words",
            message: "t.yaml, line 1: expected a resource (a mapping with kind, version, metadata and spec)."
        ),
        Case(
            name: "merge keys",
            text: "kind: role\nversion: v1\nmetadata: {name: ops}\nspec:\n  allow: &a {logins: [x]}\n  deny:\n    <<: *a",
            message: "t.yaml, line 7, spec.deny.<<: YAML merge keys (<<) are not supported; write the fields out."
        ),
    ]

    @Test("each error names the field and line", arguments: cases)
    func message(of sample: Case) {
        #expect(decodeError(sample.text, source: "t.yaml") == sample.message)
    }

    @Test("errors in multi-line JSON carry the line and the list item")
    func jsonLines() {
        let text = """
        [
          {"kind": "user", "version": "v1", "metadata": {"name": "alice"}, "spec": {}},
          {"kind": "user", "version": "v1", "metadata": {"name": "bob"},
           "spec": {"roles": ["ops"], "trates": {}}}
        ]
        """
        #expect(decodeError(text, source: "users.json") == "users.json, item 2, line 4, spec.trates: unknown field (known fields here: roles, traits); fix the spelling or remove it.")
    }

    @Test("a billion-laughs document is refused quickly")
    func aliasBomb() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            text += "a\(level): &a\(level) [\(refs)]\n"
        }
        #expect(decodeError(text, source: "bomb.yaml").contains("more than 100000 values"))
    }
}
