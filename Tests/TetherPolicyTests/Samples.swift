import Foundation
import TetherCore
import Testing
@testable import TetherPolicy

/// One resource of every kind, written by hand as YAML and as JSON, with the
/// value both must decode to.
enum Samples {
    struct Sample: Sendable, CustomTestStringConvertible {
        var kind: ResourceKind
        var yaml: String
        var json: String
        var expected: Resource
        var testDescription: String { kind.rawValue }
    }

    static let march1 = Date(timeIntervalSince1970: 1_772_366_400) // 2026-03-01T12:00:00Z
    static let jan31 = Date(timeIntervalSince1970: 1_769_882_400) // 2026-01-31T18:00:00Z

    static let role = Sample(
        kind: .role,
        yaml: """
        kind: role
        version: v1
        metadata:
          name: acme-tech
          description: Field technicians for ACME
          labels: {team: field}
        spec:
          allow:
            logins: [diagnostics, "ops-{{external.team}}"]
            node_labels:
              customer: acme
              region: ["^us-.*$", eu-west]
              "*": "*"
            rules:
              - {resources: [node], verbs: [list, read]}
          deny:
            logins: [root]
            node_labels: {lifecycle: decommissioned}
            rules:
              - resources: ["*"]
                verbs: [delete]
          options: {max_session_ttl: 2h30m, port_forwarding: true}
        """,
        json: """
        {"kind": "role", "version": "v1",
         "metadata": {"name": "acme-tech", "description": "Field technicians for ACME", "labels": {"team": "field"}},
         "spec": {
           "allow": {"logins": ["diagnostics", "ops-{{external.team}}"],
                     "node_labels": {"customer": "acme", "region": ["^us-.*$", "eu-west"], "*": "*"},
                     "rules": [{"resources": ["node"], "verbs": ["list", "read"]}]},
           "deny": {"logins": ["root"], "node_labels": {"lifecycle": ["decommissioned"]},
                    "rules": [{"resources": ["*"], "verbs": ["delete"]}]},
           "options": {"max_session_ttl": "2h30m", "port_forwarding": true}}}
        """,
        expected: .role(Role(
            metadata: ResourceMetadata(name: "acme-tech", description: "Field technicians for ACME", labels: ["team": "field"]),
            spec: RoleSpec(
                allow: RoleConditions(
                    logins: ["diagnostics", "ops-{{external.team}}"],
                    nodeLabels: ["customer": ["acme"], "region": ["^us-.*$", "eu-west"], "*": ["*"]],
                    rules: [RoleRule(resources: ["node"], verbs: ["list", "read"])]
                ),
                deny: RoleConditions(
                    logins: ["root"],
                    nodeLabels: ["lifecycle": ["decommissioned"]],
                    rules: [RoleRule(resources: ["*"], verbs: ["delete"])]
                ),
                options: RoleOptions(maxSessionTTL: TimeSpan(seconds: 9000), portForwarding: true)
            )
        ))
    )

    static let user = Sample(
        kind: .user,
        yaml: """
        kind: user
        version: v1
        metadata: {name: alice@example.com}
        spec:
          roles: [acme-tech, auditor]
          traits:
            logins: [alice, ubuntu]
            team: [robotics]
        """,
        json: """
        {"kind":"user","version":"v1","metadata":{"name":"alice@example.com"},
         "spec":{"roles":["acme-tech","auditor"],"traits":{"logins":["alice","ubuntu"],"team":["robotics"]}}}
        """,
        expected: .user(User(
            name: "alice@example.com",
            spec: UserSpec(roles: ["acme-tech", "auditor"], traits: ["logins": ["alice", "ubuntu"], "team": ["robotics"]])
        ))
    )

    static let token = Sample(
        kind: .token,
        yaml: """
        kind: token
        version: v1
        metadata: {name: 7f3c9a, expires: 2026-03-01T12:00:00Z}
        spec: {type: node, labels: {customer: acme}, reusable: true}
        """,
        json: """
        {"kind":"token","version":"v1","metadata":{"name":"7f3c9a","expires":"2026-03-01T12:00:00Z"},
         "spec":{"type":"node","labels":{"customer":"acme"},"reusable":true}}
        """,
        expected: .token(Token(
            metadata: ResourceMetadata(name: "7f3c9a", expires: march1),
            spec: TokenSpec(type: .node, labels: ["customer": "acme"], reusable: true)
        ))
    )

    static let trustedCluster = Sample(
        kind: .trustedCluster,
        yaml: """
        kind: trusted_cluster
        version: v1
        metadata: {name: hub}
        spec:
          enabled: false
          token: 5b1e77
          proxy_addr: "[::1]:3080"
          role_map:
            - {remote: "ops-*", local: [ops-$1, viewer]}
            - {remote: auditor, local: auditor}
        """,
        json: """
        {"kind":"trusted_cluster","version":"v1","metadata":{"name":"hub"},
         "spec":{"enabled":false,"token":"5b1e77","proxy_addr":"[::1]:3080",
                 "role_map":[{"remote":"ops-*","local":["ops-$1","viewer"]},{"remote":"auditor","local":"auditor"}]}}
        """,
        expected: .trustedCluster(TrustedCluster(
            name: "hub",
            spec: TrustedClusterSpec(
                enabled: false, token: "5b1e77", proxyAddr: "[::1]:3080",
                roleMap: [RoleMapEntry(remote: "ops-*", local: ["ops-$1", "viewer"]), RoleMapEntry(remote: "auditor", local: ["auditor"])]
            )
        ))
    )

    static let remoteCluster = Sample(
        kind: .remoteCluster,
        yaml: """
        kind: remote_cluster
        version: v1
        metadata: {name: acme-dallas}
        spec: {last_seen: "2026-01-31T18:00:00Z"}
        """,
        json: """
        {"kind":"remote_cluster","version":"v1","metadata":{"name":"acme-dallas"},"spec":{"last_seen":"2026-01-31T18:00:00Z"}}
        """,
        expected: .remoteCluster(RemoteCluster(name: "acme-dallas", spec: RemoteClusterSpec(lastSeen: jan31)))
    )

    static let node = Sample(
        kind: .node,
        yaml: """
        kind: node
        version: v1
        metadata:
          name: robot-17
          labels: {customer: acme, region: us-central, firmware: 3.2.1}
        spec:
          hostname: robot-17.local
          tunnel: true
          cmd_labels:
            kernel: {command: [uname, -r], period: 1m}
        """,
        json: """
        {"kind":"node","version":"v1",
         "metadata":{"name":"robot-17","labels":{"customer":"acme","region":"us-central","firmware":"3.2.1"}},
         "spec":{"hostname":"robot-17.local","tunnel":true,"cmd_labels":{"kernel":{"command":["uname","-r"],"period":"1m"}}}}
        """,
        expected: .node(NodeResource(
            metadata: ResourceMetadata(name: "robot-17", labels: ["customer": "acme", "region": "us-central", "firmware": "3.2.1"]),
            spec: NodeSpec(hostname: "robot-17.local", tunnel: true, cmdLabels: ["kernel": CommandLabel(command: ["uname", "-r"], period: .minutes(1))])
        ))
    )

    static let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

    static let certAuthority = Sample(
        kind: .certAuthority,
        yaml: """
        kind: cert_authority
        version: v1
        metadata: {name: acme-dallas.user}
        spec:
          cluster: acme-dallas
          ssh_public_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB tether-user-ca"]
          tls_certificates:
            - |
              -----BEGIN CERTIFICATE-----
              MIIB
              -----END CERTIFICATE-----
          type: user
        """,
        json: """
        {"kind":"cert_authority","version":"v1","metadata":{"name":"acme-dallas.user"},
         "spec":{"cluster":"acme-dallas","type":"user",
                 "ssh_public_keys":["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB tether-user-ca"],
                 "tls_certificates":["-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n"]}}
        """,
        expected: .certAuthority(CertAuthority(
            name: "acme-dallas.user",
            spec: CertAuthoritySpec(
                cluster: "acme-dallas", type: .user,
                sshPublicKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB tether-user-ca"],
                tlsCertificates: [pem]
            )
        ))
    )

    static let lock = Sample(
        kind: .lock,
        yaml: """
        kind: lock
        version: v1
        metadata: {name: lock-robot-17, expires: "2026-01-31T18:00:00Z"}
        spec:
          target: {node: robot-17}
          message: compromised, under investigation
        """,
        json: """
        {"kind":"lock","version":"v1","metadata":{"name":"lock-robot-17","expires":"2026-01-31T18:00:00Z"},
         "spec":{"target":{"node":"robot-17"},"message":"compromised, under investigation"}}
        """,
        expected: .lock(Lock(
            metadata: ResourceMetadata(name: "lock-robot-17", expires: jan31),
            spec: LockSpec(target: .node("robot-17"), message: "compromised, under investigation")
        ))
    )

    static let all = [role, user, token, trustedCluster, remoteCluster, node, certAuthority, lock]
}
