import Testing
import TetherConfig
import TetherCore

@Suite struct ConfigurationTests {
    @Test func authProxyAndTunnelNodeInOneProcess() throws {
        let configuration = try TetherdConfiguration.parse("""
            cluster: acme-dallas
            data_dir: ./data/acme-dallas
            log_level: info
            auth:
              enabled: true
              listen: 127.0.0.1:3025
              second_factor: off
            proxy:
              enabled: true
              listen: 127.0.0.1:3080
              public_addr: dallas.example.test:3080
            node:
              enabled: true
              name: robot-17
              labels: {customer: acme, region: us-central, firmware: 3.2.1}
              command_labels:
                kernel: {command: [uname, -r], period: 1m}
              proxy_server: dallas.example.test:3080
              join_token: 7f3c
              ca_pin: sha256:\(String(repeating: "ab", count: 32))
            """, source: "tetherd.yaml")
        #expect(configuration.runsAuth && configuration.runsProxy && configuration.runsNode)
        #expect(configuration.auth?.secondFactor == .off)
        #expect(configuration.node?.isTunnelNode == true)
        #expect(configuration.node?.labels["firmware"] == "3.2.1")
        #expect(configuration.node?.commandLabels["kernel"] == .init(command: ["uname", "-r"], period: .minutes(1)))
        #expect(configuration.node?.keepaliveInterval == TimeSpan(seconds: 5))
        #expect(configuration.node?.maxBackoff == TimeSpan(seconds: 30))
        #expect(configuration.node?.audit.onSpoolFailure == .refuse)
    }

    @Test func aNodeMayServeSessionsItCannotAudit() throws {
        let configuration = try TetherdConfiguration.parse(
            "data_dir: d\nnode:\n  name: n\n  proxy_server: p:1\n  audit:\n    on_spool_failure: continue\n", source: "t.yaml")
        #expect(configuration.node?.audit.onSpoolFailure == .continue)
    }

    @Test func directNodeNeedsListen() throws {
        let error = try #require(throws: TetherError.self) {
            try TetherdConfiguration.parse("""
                data_dir: /var/lib/tether
                node:
                  name: site-server
                  auth_server: 127.0.0.1:3025
                """, source: "node.yaml")
        }
        #expect(error.message.hasPrefix("node.yaml, line 3, node.listen: is missing"))
    }

    @Test(arguments: [
        ("data_dir: d\nnode:\n  name: n\n  proxy_server: p:1\n  labels: {a: b}\n  lables: {c: d}\n", "line 6, node.lables: unknown field"),
        ("data_dir: d\nauth:\n  listen: 127.0.0.1:3025\n", "cluster: is missing"),
        ("cluster: c\ndata_dir: d\nauth:\n  listen: nowhere\n", "line 4, auth.listen: \"nowhere\" is not host:port"),
        ("cluster: c\ndata_dir: d\nauth:\n  listen: 127.0.0.1:1\n  second_factor: sms\n", "line 5, auth.second_factor: \"sms\" is not one of off, otp."),
        ("cluster: c\ndata_dir: d\nauth:\n  listen: 127.0.0.1:1\n  password_cost: 12\n", "auth.password_cost: is 12; use log2 of scrypt's N from 15 to 20 (default 17)."),
        ("data_dir: d\nnode:\n  name: n\n  proxy_server: p:1\n  auth_server: a:2\n", "node.proxy_server: is set together with auth_server"),
        ("data_dir: d\nnode:\n  name: n\n  proxy_server: p:1\n  listen: 127.0.0.1:3022\n", "node.listen: is set on a tunnel node"),
        ("data_dir: d\nnode:\n  name: n\n  proxy_server: p:1\n  ca_pin: sha256:xyz\n", "node.ca_pin: \"sha256:xyz\" is not a CA pin"),
        ("data_dir: d\nnode:\n  name: n\n  proxy_server: p:1\n  keepalive_interval: 5\n", "line 5, node.keepalive_interval"),
        ("data_dir: d\n", "no service is enabled"),
        ("data_dir: d\nnode:\n  name: n\n  proxy_server: p:1\n  audit:\n    on_spool_failure: ignore\n",
         "line 6, node.audit.on_spool_failure: \"ignore\" is not one of refuse, continue."),
        ("cluster: c\ndata_dir: d\nproxy:\n  listen: 127.0.0.1:3080\n", "proxy: runs without auth"),
        ("data_dir: d\nlog_level: verbose\nnode:\n  name: n\n  proxy_server: p:1\n",
         "line 2, log_level: \"verbose\" is not one of trace, debug, info, notice, warning, error, critical."),
    ])
    func badFieldsAreNamed(text: String, expected: String) throws {
        let error = try #require(throws: TetherError.self) { try TetherdConfiguration.parse(text, source: "t.yaml") }
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains(expected), "\(error.message)")
    }

    @Test func aMissingFileIsOneSentenceEndedOnce() throws {
        let error = try #require(throws: TetherError.self) { try TetherdConfiguration.load(path: "/nonexistent/tetherd.yaml") }
        #expect(error.message == "cannot read the configuration file /nonexistent/tetherd.yaml: no such file or directory.")
    }
}
