import Foundation
import Glibc
import TetherTestSupport
import Testing

/// A whole cluster as real processes on 127.0.0.1: `tetherd` running auth and
/// proxy plus nodes (by default a tunnel node `robot-1`, which never listens,
/// and a direct node `site-server`), bootstrapped with `tetherctl` the way an
/// operator would. Its users log in with `tether` under their own TETHER_HOME.
final class ClusterFixture: StoppableFixture {
    static let password = "correct horse battery staple"

    /// A node to start: a tunnel node unless `direct` (which listens on `nodePort`).
    struct Node {
        var name: String
        var labels: String
        var direct = false
    }

    static let defaultRoles = """
        kind: role
        version: v1
        metadata: {name: acme-only}
        spec:
          allow:
            logins: ["{{internal.logins}}"]
            node_labels: {customer: acme}
          options:
            max_session_ttl: 1h
        ---
        kind: role
        version: v1
        metadata: {name: all-nodes}
        spec:
          allow:
            logins: ["{{internal.logins}}"]
            node_labels: {"*": "*"}
        """

    let cluster: String
    let directory: TemporaryDirectory
    let authPort: UInt16
    let proxyPort: UInt16
    let nodePort: UInt16
    private(set) var caPin = ""
    private var processes: [String: ChildProcess] = [:]

    /// The login every node admits in these tests: the user running them.
    var login: String { ProcessSupport.currentUserName }
    /// By default alice's role reaches acme's nodes only; ops reaches every node.
    var home: String { home(of: "alice") }
    func home(of user: String) -> String { directory.path("\(user)-home") }

    init(
        cluster: String = "e2e",
        roles: String = ClusterFixture.defaultRoles,
        users: [(name: String, role: String)] = [("alice", "acme-only"), ("ops", "all-nodes")],
        nodes: [Node] = [Node(name: "robot-1", labels: "{customer: acme, lifecycle: active}"), Node(name: "site-server", labels: "{customer: globex}", direct: true)],
        proxyLimits: String? = nil
    ) async throws {
        self.cluster = cluster
        directory = try TemporaryDirectory()
        authPort = try ProcessSupport.freePort()
        proxyPort = try ProcessSupport.freePort()
        nodePort = try ProcessSupport.freePort()
        do {
            try await bootstrap(roles: roles, users: users, proxyLimits: proxyLimits)
            try await startAuthAndProxy()
            for node in nodes {
                let reach = node.direct ? "auth_server: 127.0.0.1:\(authPort)\n  listen: 127.0.0.1:\(nodePort)" : "proxy_server: 127.0.0.1:\(proxyPort)"
                try await startNode(node.name, labels: node.labels, reach: reach)
            }
            if nodes.contains(where: \.direct) {
                try await ProcessSupport.waitUntilAccepting(port: nodePort, within: 120)
            }
        } catch {
            await stop()
            throw error
        }
    }

    /// Stops every process (all at once, as an operator's SIGTERM) and
    /// removes the cluster's files.
    func stop() async {
        for name in await ChildProcess.terminateAll(processes) {
            Issue.record("\(name) did not stop within 10 s of SIGTERM and was killed")
        }
        processes = [:]
        directory.remove()
    }

    // MARK: commands

    static let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    static func binary(_ name: String) -> String { products.appendingPathComponent(name).path }

    /// `tetherctl` on this cluster, as its operator.
    var admin: ClusterBootstrap {
        ClusterBootstrap { [directory] arguments, stdin in
            try await ProcessSupport.run(Self.binary("tetherctl"), arguments + ["--config", directory.path("auth.yaml")], in: directory, stdin: stdin)
        }
    }

    @discardableResult
    func tetherctl(_ arguments: [String], stdin: String? = nil) async throws -> CommandResult {
        try await admin.tetherctl(arguments, stdin)
    }

    func tether(_ arguments: [String], stdin: String? = nil, as user: String = "alice") async throws -> CommandResult {
        try await ProcessSupport.run(Self.binary("tether"), arguments, in: directory, stdin: stdin, environment: ["TETHER_HOME": home(of: user)])
    }

    /// Starts `tether` in the background (a session that must outlive something).
    func startTether(_ arguments: [String], as user: String = "alice") throws -> ChildProcess {
        let name = UUID().uuidString
        return try ChildProcess(
            Self.binary("tether"), arguments,
            stdoutPath: directory.path("\(name).out"), stderrPath: directory.path("\(name).err"),
            environment: ["TETHER_HOME": home(of: user)]
        )
    }

    /// The session ids of recorded `event`s (by default `session.start`), oldest first.
    func sessionIDs(with event: String = "session.start") async throws -> [String] {
        let search = try await tetherctl(["audit", "search", "--type", event, "--format", "json"]).stdout
        let pattern = try Regex(#""session_id" *: *"([^"]+)""#)
        return search.matches(of: pattern).compactMap { $0.output[1].substring.map(String.init) }
    }

    func ssh(_ arguments: [String]) async throws -> CommandResult { try await stockClient("ssh", arguments) }

    /// alice's `tether config`, saved where stock clients read it with `-F`.
    func sshConfigFile() async throws -> String {
        let config = try await tether(["config"])
        try ClusterBootstrap.expectSuccess(config, "tether config")
        return try directory.write(config.stdout, to: "ssh_config")
    }

    /// One of OpenSSH's (or rsync's) stock clients from /usr/bin, as alice.
    func stockClient(_ tool: String, _ arguments: [String]) async throws -> CommandResult {
        try await ProcessSupport.run("/usr/bin/" + tool, arguments, in: directory, environment: ["TETHER_HOME": home])
    }

    func loginAlice() async throws -> CommandResult { try await login(as: "alice") }

    func login(as user: String) async throws -> CommandResult {
        try await tether(["login", "--proxy", "127.0.0.1:\(proxyPort)", "--user", user, "--password-stdin", "--ca-pin", caPin], stdin: Self.password + "\n", as: user)
    }

    func pid(of name: String) -> pid_t? { processes[name]?.pid }

    // MARK: processes

    func startAuthAndProxy() async throws {
        try start("auth-proxy", config: "auth.yaml")
        try await ProcessSupport.waitUntilAccepting(port: authPort, within: 120)
        try await ProcessSupport.waitUntilAccepting(port: proxyPort, within: 120)
    }

    /// Stops one process, as an operator would, with SIGTERM; one that does
    /// not stop in time is killed and fails the test.
    func kill(_ name: String) async {
        guard let process = processes.removeValue(forKey: name), await !process.terminate() else { return }
        Issue.record("\(name) did not stop within 10 s of SIGTERM and was killed")
    }

    /// Kills one process at once (SIGKILL), as a crash or power loss would, and reaps it.
    func crash(_ name: String) async {
        guard let process = processes.removeValue(forKey: name) else { return }
        process.kill()
        await process.exitCode()
    }

    /// Starts a node again with the configuration and data it had.
    func restartNode(_ name: String) throws {
        try start(name, config: "\(name).yaml")
    }

    private func start(_ name: String, config: String) throws {
        processes[name] = try ChildProcess(
            Self.binary("tetherd"), ["start", "--config", directory.path(config)],
            stdoutPath: directory.path("\(name).out"), stderrPath: directory.path("\(name).log")
        )
    }

    func log(of name: String) -> String { (try? directory.read("\(name).log")) ?? "" }

    /// `proxyLimits`: the proxy's `limits` section, as a YAML flow mapping.
    private func bootstrap(roles: String, users: [(name: String, role: String)], proxyLimits: String?) async throws {
        _ = try directory.write("""
            cluster: \(cluster)
            data_dir: \(directory.path("auth"))
            auth:
              listen: 127.0.0.1:\(authPort)
              password_cost: \(TestPasswordCost.exponent)
            proxy:
              listen: 127.0.0.1:\(proxyPort)
              keepalive_interval: 1s
            """ + (proxyLimits.map { "\n  limits: \($0)" } ?? ""), to: "auth.yaml")
        caPin = try await admin.prepare(
            rolesFile: try directory.write(roles, to: "roles.yaml"), users: users, login: login, password: Self.password)
    }

    private func startNode(_ name: String, labels: String, reach: String) async throws {
        _ = try directory.write(
            try await admin.nodeConfiguration(name: name, dataDirectory: directory.path(name), labels: labels, reach: reach, caPin: caPin),
            to: "\(name).yaml")
        try start(name, config: "\(name).yaml")
    }
}
