import Testing
import TetherConfig
import TetherCore

/// `auth.limits`, `proxy.limits` and the login knobs: defaults, overrides,
/// and values refused with the field named.
@Suite struct ListenerLimitsConfigurationTests {
    @Test func defaultsAndOverrides() throws {
        let configuration = try TetherdConfiguration.parse("""
            cluster: c
            data_dir: d
            auth:
              listen: 127.0.0.1:3025
              login_threads: 2
              limits: {idle_timeout: 2m}
            proxy:
              listen: 127.0.0.1:3080
              limits: {handshake_timeout: 3s, request_timeout: 5s, max_connections_per_address: 1000, max_connections: 5000}
            """, source: "tetherd.yaml")
        let auth = try #require(configuration.auth)
        #expect(auth.loginThreads == 2 && auth.loginQueue == 16 && auth.loginFailuresPerAddress == 20)
        #expect(auth.limits == ListenerLimitsSection(idleTimeout: .minutes(2)))
        #expect(auth.limits.maxConnectionsPerAddress == 512 && auth.limits.maxConnections == nil)
        #expect(configuration.proxy?.limits == ListenerLimitsSection(
            handshakeTimeout: TimeSpan(seconds: 3), requestTimeout: TimeSpan(seconds: 5), maxConnectionsPerAddress: 1000, maxConnections: 5000))
    }

    @Test(arguments: [
        ("auth:\n  listen: 127.0.0.1:1\n  login_threads: 0\n", "auth.login_threads: is 0; use 1 to 16 threads"),
        ("auth:\n  listen: 127.0.0.1:1\n  login_queue: -1\n", "auth.login_queue: is -1;"),
        ("auth:\n  listen: 127.0.0.1:1\n  login_failures_per_address: 0\n", "auth.login_failures_per_address: is 0;"),
        ("auth:\n  listen: 127.0.0.1:1\n  limits: {max_connections_per_address: 0}\n", "auth.limits.max_connections_per_address: is 0;"),
        ("auth:\n  listen: 127.0.0.1:1\nproxy:\n  listen: 127.0.0.1:2\n  limits: {max_connections: 10}\n",
         "proxy.limits.max_connections: is 10, below max_connections_per_address (512)"),
        ("auth:\n  listen: 127.0.0.1:1\nproxy:\n  listen: 127.0.0.1:2\n  limits: {handshake_timeout: 0s}\n", "proxy.limits.handshake_timeout"),
    ])
    func badValuesAreNamed(text: String, expected: String) throws {
        let error = try #require(throws: TetherError.self) {
            try TetherdConfiguration.parse("cluster: c\ndata_dir: d\n" + text, source: "tetherd.yaml")
        }
        #expect(error.message.contains(expected), "\(error.message)")
    }
}
