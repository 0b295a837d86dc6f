/// The resource examples of /work/shared/spec/product.md, verbatim.
enum ProductExamples {
    static let roleAndTrustedCluster = """
    kind: role
    version: v1
    metadata: {name: acme-field-tech}
    spec:
      allow:
        logins: [diagnostics, readonly, "{{internal.logins}}"]
        node_labels: {customer: acme, region: [us-central, us-east]}  # "*" and "^regex$" allowed
      deny:
        node_labels: {lifecycle: decommissioned}
      options:
        max_session_ttl: 8h
        port_forwarding: false
    ---
    kind: trusted_cluster          # created on the LEAF
    version: v1
    metadata: {name: hub}          # the root cluster's name
    spec:
      enabled: true
      token: 5b1e...               # a trusted_cluster token made on the root
      proxy_addr: hub.example.test:3080
      ca_pin: sha256:...           # optional: the root's CA pin
      role_map:
        - {remote: admin, local: [access]}
        - {remote: "^acme-(.*)$", local: ["site-$1"]}
    """

    static let pin = "sha256:" + String(repeating: "ab", count: 32)

    /// The same with the elided pin (`sha256:...`) filled in.
    static let roleAndTrustedClusterWithPin = roleAndTrustedCluster
        .replacingOccurrences(of: "ca_pin: sha256:...", with: "ca_pin: \(pin)")
}
