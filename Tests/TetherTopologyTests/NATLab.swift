import Foundation
import Testing
import TetherTestSupport

/// The standard topology of `topology/netns/netns.sh` (sites behind NAT and
/// carrier NAT, a rover with two uplinks) under a run id of its own, with one
/// cluster's auth + proxy on the internet at the hub address. Everything the
/// cluster side runs (tetherd, tetherctl, tether) runs in the internet
/// namespace; each node runs in its device's namespace.
final class NATLab {
    static let cluster = "natlab"
    static let password = "correct horse battery staple"
    /// Ports inside the internet namespace, which holds nothing else.
    static let authPort = 3025
    static let proxyPort = 3080

    let id: String
    let directory: TemporaryDirectory
    private(set) var caPin = ""
    /// The hub's public address on the internet, where the proxy listens.
    private(set) var hubAddress = ""
    private var processes: [String: ChildProcess] = [:]
    private var isUp = false

    /// The login every node admits: the user running the tests (root).
    var login: String { ProcessSupport.currentUserName }
    var proxyAddress: String { "\(hubAddress):\(Self.proxyPort)" }

    /// Builds the namespaces and the cluster, or cancels the calling test
    /// where this machine cannot build namespaces with NAT.
    static func start() async throws -> NATLab {
        if let reason = refusal() { try Test.cancel(Comment(rawValue: "NAT topology skipped: \(reason)")) }
        let lab = try NATLab()
        do {
            try await lab.up()
        } catch {
            lab.stop()
            throw error
        }
        return lab
    }

    private init() throws {
        id = String(UUID().uuidString.lowercased().filter(\.isHexDigit).prefix(8))
        directory = try TemporaryDirectory()
    }

    func stop() {
        for process in processes.values { process.terminate() }
        processes = [:]
        if isUp { _ = try? Self.netns(["down", id], in: directory) }
        isUp = false
        directory.remove()
    }

    // MARK: the network

    static let script = RepositoryPaths.topology.appendingPathComponent("netns/netns.sh").path
    static let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first(where: ProcessSupport.isExecutable) ?? "/usr/sbin/ip"

    /// Why namespaces with NAT cannot be built here, or nil when they can.
    static func refusal() -> String? {
        guard let scratch = try? TemporaryDirectory() else { return "no temporary directory" }
        defer { scratch.remove() }
        guard let check = try? netns(["check"], in: scratch) else { return "cannot run \(script)" }
        return check.status == 0 ? nil : check.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func netns(_ arguments: [String], in directory: TemporaryDirectory) throws -> CommandResult {
        try ProcessSupport.run("/bin/bash", [script] + arguments, in: directory)
    }

    private func up() async throws {
        isUp = true  // `down` also removes a half-built run
        let result = try Self.netns(["up", id], in: directory)
        guard result.status == 0 else { throw SupportError("netns.sh up \(id) failed: \(result.stderr)") }
        guard let hub = try address(of: "inet", "lan") else { throw SupportError("the internet namespace of run \(id) has no address") }
        hubAddress = hub
        try await bootstrap()
    }

    func namespace(_ name: String) -> String { "tt-\(id)-\(name)" }

    /// The IPv4 address of `name`'s `iface`, nil when it has none.
    func address(of name: String, _ iface: String) throws -> String? {
        let result = try Self.netns(["addr", id, name, iface], in: directory)
        let address = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return address.isEmpty ? nil : address
    }

    func switchUplink(of host: String, to iface: String) throws {
        let result = try Self.netns(["switch", id, host, iface], in: directory)
        guard result.status == 0 else { throw SupportError("netns.sh switch \(id) \(host) \(iface) failed: \(result.stderr)") }
    }

    /// Runs `executable` inside `name`'s namespace.
    func run(in name: String, _ executable: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) async throws -> CommandResult {
        try await ProcessSupport.run(Self.ip, ["netns", "exec", namespace(name), executable] + arguments, in: directory, stdin: stdin, environment: environment)
    }

    enum Probe: Equatable { case connected, refused, timedOut }

    /// Tries a TCP connection from `name`'s namespace. A dropped SYN times
    /// out; a live host without a listener refuses at once.
    func probe(from name: String, to address: String, port: Int, within seconds: Int = 3) async throws -> Probe {
        // SIGKILL: children of the test runner inherit a mask that blocks
        // SIGTERM, and bash would sit in connect() for two minutes.
        let result = try await run(in: name, "/usr/bin/timeout", ["-s", "KILL", "\(seconds)", "/bin/bash", "-c", "exec 3<>/dev/tcp/\(address)/\(port)"])
        switch result.status {
        case 0: return .connected
        case 128 + SIGKILL: return .timedOut
        default:
            guard result.stderr.contains("Connection refused") else { throw SupportError("probe \(name) -> \(address):\(port) failed: \(result.stderr)") }
            return .refused
        }
    }

    /// The peer addresses of the connections the proxy holds: what the cluster sees of its nodes.
    func proxyPeers() async throws -> Set<String> {
        let sockets = try await run(in: "inet", "/usr/bin/ss", ["-Htn", "state", "established", "( sport = :\(Self.proxyPort) )"])
        return Set(sockets.stdout.split(separator: "\n").compactMap { line in
            line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first
                .map { String($0[..<($0.lastIndex(of: ":") ?? $0.endIndex)]) }
        })
    }

    // MARK: the cluster

    func binary(_ name: String) -> String { RepositoryPaths.products.appendingPathComponent(name).path }

    @discardableResult
    func tetherctl(_ arguments: [String], stdin: String? = nil) async throws -> CommandResult {
        try await run(in: "inet", binary("tetherctl"), arguments + ["--config", directory.path("auth.yaml")], stdin: stdin)
    }

    func tether(_ arguments: [String], stdin: String? = nil) async throws -> CommandResult {
        try await run(in: "inet", binary("tether"), arguments, stdin: stdin, environment: ["TETHER_HOME": directory.path("alice-home")])
    }

    func loginAlice() async throws -> CommandResult {
        try await tether(["login", "--proxy", proxyAddress, "--user", "alice", "--password-stdin", "--ca-pin", caPin], stdin: Self.password + "\n")
    }

    /// Joins `name` as a tunnel node from its own namespace, with a short
    /// keepalive so that a dead path is noticed within seconds.
    func startNode(_ name: String, labels: String) async throws {
        let token = try await tetherctl(["tokens", "add", "--type", "node", "--ttl", "15m", "--format", "text"])
        try expectSuccess(token, "tokens add")
        _ = try directory.write("""
            data_dir: \(directory.path(name))
            node:
              name: \(name)
              labels: \(labels)
              proxy_server: \(proxyAddress)
              join_token: \(token.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
              ca_pin: \(caPin)
              keepalive_interval: \(Self.keepaliveInterval)
              max_backoff: \(Self.maxBackoff)
            """, to: "\(name).yaml")
        try start(name, in: name, config: "\(name).yaml")
    }

    static let keepaliveInterval = "1s"
    static let maxBackoff = "2s"

    func log(of name: String) -> String { (try? directory.read("\(name).log")) ?? "" }

    private func start(_ name: String, in namespace: String, config: String) throws {
        processes[name] = try ChildProcess(
            Self.ip, ["netns", "exec", self.namespace(namespace), binary("tetherd"), "start", "--config", directory.path(config)],
            stdoutPath: directory.path("\(name).out"), stderrPath: directory.path("\(name).log")
        )
    }

    private func bootstrap() async throws {
        _ = try directory.write("""
            cluster: \(Self.cluster)
            data_dir: \(directory.path("auth"))
            auth:
              listen: 127.0.0.1:\(Self.authPort)
            proxy:
              listen: \(proxyAddress)
              keepalive_interval: \(Self.keepaliveInterval)
            """, to: "auth.yaml")
        _ = try directory.write("""
            kind: role
            version: v1
            metadata: {name: all-nodes}
            spec:
              allow:
                logins: ["{{internal.logins}}"]
                node_labels: {"*": "*"}
            """, to: "roles.yaml")
        try expectSuccess(try await tetherctl(["create", directory.path("roles.yaml")]), "create roles")
        try expectSuccess(try await tetherctl(["users", "add", "alice", "--roles", "all-nodes", "--logins", login]), "users add")
        try expectSuccess(try await tetherctl(["users", "set-password", "alice", "--password-stdin"], stdin: Self.password + "\n"), "set-password")
        let status = try await tetherctl(["status", "--format", "json"])
        try expectSuccess(status, "status")
        guard let pin = status.stdout.range(of: #"sha256:[0-9a-f]{64}"#, options: .regularExpression).map({ String(status.stdout[$0]) }) else {
            throw SupportError("tetherctl status printed no CA pin: \(status.stdout)")
        }
        caPin = pin

        try start("auth-proxy", in: "inet", config: "auth.yaml")
        let listening = try await eventually(timeout: .seconds(30)) {
            try await probe(from: "inet", to: hubAddress, port: Self.proxyPort) == .connected
        }
        guard listening else { throw SupportError("the proxy did not listen on \(proxyAddress): \(log(of: "auth-proxy"))") }
    }

    private func expectSuccess(_ result: CommandResult, _ what: String) throws {
        guard result.status == 0 else { throw SupportError("\(what) failed (\(result.status)): \(result.stderr)") }
    }

    // MARK: the cluster's records

    struct AuditRecord: Decodable {
        var event: String
        var time: String
        var hostID: String?
        var remoteAddr: String?

        enum CodingKeys: String, CodingKey {
            case event, time
            case hostID = "host_id"
            case remoteAddr = "remote_addr"
        }

        var date: Date? { try? Date(time, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) }
    }

    func audit(_ type: String) async throws -> [AuditRecord] {
        let search = try await tetherctl(["audit", "search", "--type", type, "--format", "json"])
        try expectSuccess(search, "audit search")
        return try JSONDecoder().decode([AuditRecord].self, from: Data(search.stdout.utf8))
    }

    func hostID(of node: String) async throws -> String {
        struct Node: Decodable {
            struct Metadata: Decodable { var name: String }
            struct Spec: Decodable {
                var hostID: String?
                enum CodingKeys: String, CodingKey { case hostID = "host_id" }
            }
            var metadata: Metadata
            var spec: Spec
        }
        let listing = try await tetherctl(["get", "nodes", "--format", "json"])
        try expectSuccess(listing, "get nodes")
        let nodes = try JSONDecoder().decode([Node].self, from: Data(listing.stdout.utf8))
        guard let id = nodes.first(where: { $0.metadata.name == node })?.spec.hostID else {
            throw SupportError("\(node) is not in the inventory: \(listing.stdout)")
        }
        return id
    }
}
