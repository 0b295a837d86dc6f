import Foundation
import Testing
import TetherTestSupport

/// The standard topology of `topology/netns/netns.sh` (sites behind NAT and
/// carrier NAT, a rover with two uplinks, a host for a leaf cluster in site
/// dallas) under a run id of its own, with the root cluster `hub` on the
/// internet at the hub address. A cluster's tetherd and tetherctl run in its
/// host's namespace, each node in its device's namespace, and the hub user
/// alice's `tether` on the internet.
final class NATLab: StoppableFixture {
    static let password = "correct horse battery staple"
    /// Ports inside each cluster's namespace, which holds nothing else.
    static let authPort = 3025
    static let proxyPort = 3080
    static let keepaliveInterval = "1s"
    static let maxBackoff = "2s"

    let id: String
    let directory: TemporaryDirectory
    /// The root cluster, user alice with role `all-nodes`.
    private(set) var hub: NATCluster!
    private var processes: [String: ChildProcess] = [:]
    private var isUp = false

    /// The login every node admits: the user running the tests (root).
    var login: String { ProcessSupport.currentUserName }

    /// Builds the namespaces and the hub, runs `body` with them and takes
    /// them down again, or cancels the calling test where this machine
    /// cannot build namespaces with NAT.
    static func run(_ body: (NATLab) async throws -> Void) async throws {
        if let reason = await refusal() { try Test.cancel(Comment(rawValue: "NAT topology skipped: \(reason)")) }
        try await NATLab().use { lab in
            try await lab.up()
            try await body(lab)
        }
    }

    private init() throws {
        id = String(UUID().uuidString.lowercased().filter(\.isHexDigit).prefix(8))
        directory = try TemporaryDirectory()
    }

    func stop() async {
        for name in await ChildProcess.terminateAll(processes) {
            Issue.record("\(name) did not stop within 10 s of SIGTERM and was killed")
        }
        processes = [:]
        if isUp { _ = try? await Self.netns(["down", id], in: directory) }
        isUp = false
        directory.remove()
    }

    // MARK: the network

    static let script = RepositoryPaths.topology.appendingPathComponent("netns/netns.sh").path
    static let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first(where: ProcessSupport.isExecutable) ?? "/usr/sbin/ip"

    /// Why namespaces with NAT cannot be built here, or nil when they can.
    static func refusal() async -> String? {
        guard let scratch = try? TemporaryDirectory() else { return "no temporary directory" }
        defer { scratch.remove() }
        guard let check = try? await netns(["check"], in: scratch) else { return "cannot run \(script)" }
        return check.status == 0 ? nil : check.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func netns(_ arguments: [String], in directory: TemporaryDirectory) async throws -> CommandResult {
        try await ProcessSupport.run("/bin/bash", [script] + arguments, in: directory)
    }

    private func up() async throws {
        isUp = true  // `down` also removes a half-built run
        let result = try await Self.netns(["up", id], in: directory)
        guard result.status == 0 else { throw SupportError("netns.sh up \(id) failed: \(result.stderr)") }
        hub = try await startCluster("hub", in: "inet", iface: "lan", roles: NATCluster.role("all-nodes"), users: ["alice": "all-nodes"])
    }

    func namespace(_ name: String) -> String { "tt-\(id)-\(name)" }

    /// The IPv4 address of `name`'s `iface`, nil when it has none.
    func address(of name: String, _ iface: String) async throws -> String? {
        let result = try await Self.netns(["addr", id, name, iface], in: directory)
        let address = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return address.isEmpty ? nil : address
    }

    func switchUplink(of host: String, to iface: String) async throws {
        let result = try await Self.netns(["switch", id, host, iface], in: directory)
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

    // MARK: processes

    func binary(_ name: String) -> String { RepositoryPaths.products.appendingPathComponent(name).path }

    /// Bootstraps cluster `name` in `host`'s namespace, its proxy listening on
    /// the address of `host`'s `iface`, and starts its auth + proxy there.
    func startCluster(_ name: String, in host: String, iface: String, roles: String, users: [String: String] = [:]) async throws -> NATCluster {
        guard let address = try await address(of: host, iface) else { throw SupportError("\(host) of run \(id) has no address on \(iface)") }
        let cluster = NATCluster(name: name, host: host, address: address, lab: self)
        try await cluster.bootstrap(roles: roles, users: users)
        return cluster
    }

    /// Starts tetherd with `config` in `namespace`'s namespace; its log is `log(of: name)`.
    func start(_ name: String, in namespace: String, config: String) throws {
        processes[name] = try ChildProcess(
            Self.ip, ["netns", "exec", self.namespace(namespace), binary("tetherd"), "start", "--config", config],
            stdoutPath: directory.path("\(name).out"), stderrPath: directory.path("\(name).log")
        )
    }

    func log(of name: String) -> String { (try? directory.read("\(name).log")) ?? "" }

    /// alice's `tether`, on the internet.
    func tether(_ arguments: [String], stdin: String? = nil) async throws -> CommandResult {
        try await run(in: "inet", binary("tether"), arguments, stdin: stdin, environment: ["TETHER_HOME": directory.path("alice-home")])
    }

    func loginAlice() async throws -> CommandResult {
        try await tether(["login", "--proxy", hub.proxyAddress, "--user", "alice", "--password-stdin", "--ca-pin", hub.caPin], stdin: Self.password + "\n")
    }

}

/// One cluster of a `NATLab`: auth + proxy in one tetherd in its host's
/// namespace, auth on that namespace's loopback, the proxy on the host's
/// address; `tetherctl` runs there too (it dials out when a trust is made).
final class NATCluster {
    let name: String
    let host: String
    /// Where the proxy listens: the host's address on its network.
    let address: String
    private(set) var caPin = ""
    private unowned let lab: NATLab

    var proxyAddress: String { "\(address):\(NATLab.proxyPort)" }
    private var config: String { lab.directory.path("\(name).yaml") }

    fileprivate init(name: String, host: String, address: String, lab: NATLab) {
        self.name = name
        self.host = host
        self.address = address
        self.lab = lab
    }

    /// A role admitting every node under the user's own logins.
    static func role(_ name: String) -> String {
        """
        kind: role
        version: v1
        metadata: {name: \(name)}
        spec:
          allow:
            logins: ["{{internal.logins}}"]
            node_labels: {"*": "*"}
        """
    }

    /// `tetherctl` on this cluster, run in its host's namespace.
    var admin: ClusterBootstrap {
        ClusterBootstrap { [lab, host, config] arguments, stdin in
            try await lab.run(in: host, lab.binary("tetherctl"), arguments + ["--config", config], stdin: stdin)
        }
    }

    @discardableResult
    func tetherctl(_ arguments: [String], stdin: String? = nil) async throws -> CommandResult {
        try await admin.tetherctl(arguments, stdin)
    }

    /// Joins `node` as a tunnel node dialling this cluster's proxy from the
    /// node's own namespace, with a short keepalive so that a dead path is
    /// noticed within seconds.
    func startNode(_ node: String, labels: String) async throws {
        let config = try lab.directory.write(
            try await admin.nodeConfiguration(
                name: node, dataDirectory: lab.directory.path(node), labels: labels, reach: "proxy_server: \(proxyAddress)",
                caPin: caPin, keepalive: NATLab.keepaliveInterval, maxBackoff: NATLab.maxBackoff),
            to: "\(node).yaml")
        try lab.start(node, in: node, config: config)
    }

    /// Makes this cluster a leaf of `root`: a trust token on the root, then
    /// `tetherctl create` here, which presents it to the root's proxy.
    func trust(_ root: NATCluster, roleMap: String) async throws {
        let resource = try lab.directory.write(
            ClusterBootstrap.trustedCluster(
                root: root.name, token: try await root.admin.token("trusted_cluster"), proxyAddress: root.proxyAddress,
                caPin: root.caPin, roleMap: roleMap),
            to: "\(name)-trusts-\(root.name).yaml")
        try ClusterBootstrap.expectSuccess(try await tetherctl(["create", resource]), "create trusted_cluster in \(name)")
    }

    /// The peer addresses of the connections the proxy holds: what the cluster sees of its nodes.
    func proxyPeers() async throws -> Set<String> {
        let sockets = try await lab.run(in: host, "/usr/bin/ss", ["-Htn", "state", "established", "( sport = :\(NATLab.proxyPort) )"])
        return Set(sockets.stdout.split(separator: "\n").compactMap { line in
            line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first
                .map { String($0[..<($0.lastIndex(of: ":") ?? $0.endIndex)]) }
        })
    }

    fileprivate func bootstrap(roles: String, users: [String: String]) async throws {
        _ = try lab.directory.write("""
            cluster: \(name)
            data_dir: \(lab.directory.path(name))
            auth:
              listen: 127.0.0.1:\(NATLab.authPort)
              password_cost: \(TestPasswordCost.exponent)
            proxy:
              listen: \(proxyAddress)
              keepalive_interval: \(NATLab.keepaliveInterval)
            """, to: "\(name).yaml")
        caPin = try await admin.prepare(
            rolesFile: try lab.directory.write(roles, to: "\(name)-roles.yaml"), users: users.map { ($0.key, $0.value) },
            login: lab.login, password: NATLab.password)

        try lab.start(name, in: host, config: config)
        let listening = try await eventually(timeout: .seconds(30)) {
            try await lab.probe(from: host, to: address, port: NATLab.proxyPort) == .connected
        }
        guard listening else { throw SupportError("the proxy of \(name) did not listen on \(proxyAddress): \(lab.log(of: name))") }
    }

    // MARK: the cluster's records

    struct AuditRecord: Decodable {
        var event: String
        var time: String
        var hostID: String?
        var leafCluster: String?
        var remoteAddr: String?

        enum CodingKeys: String, CodingKey {
            case event, time
            case hostID = "host_id"
            case leafCluster = "leaf_cluster"
            case remoteAddr = "remote_addr"
        }

        var date: Date? { try? Date(time, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) }
    }

    func audit(_ type: String) async throws -> [AuditRecord] {
        let search = try await tetherctl(["audit", "search", "--type", type, "--format", "json"])
        try ClusterBootstrap.expectSuccess(search, "audit search")
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
        try ClusterBootstrap.expectSuccess(listing, "get nodes")
        let nodes = try JSONDecoder().decode([Node].self, from: Data(listing.stdout.utf8))
        guard let id = nodes.first(where: { $0.metadata.name == node })?.spec.hostID else {
            throw SupportError("\(node) is not in the inventory of \(name): \(listing.stdout)")
        }
        return id
    }
}
