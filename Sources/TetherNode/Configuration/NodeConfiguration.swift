import Foundation
import TetherCore
import TetherIdentity
import TetherTransport
import TetherTunnel

/// Everything a node needs to run, as the `node:` section of the tetherd
/// configuration describes it (already validated by the caller).
public struct NodeConfiguration: Sendable {
    /// How the node is reached, and therefore whom it talks to.
    public enum Reachability: Sendable, Equatable {
        /// Listens on `listen` for the proxy; joins, heartbeats and uploads
        /// audit to the auth service at `authServer`.
        case direct(authServer: HostPort, listen: HostPort)
        /// Dials a reverse tunnel to `proxyServer` and never listens; every
        /// API call goes to the proxy's HTTPS API on the same address.
        case tunnel(proxyServer: HostPort)
    }

    /// How the cluster's CA is trusted on first contact (joining).
    public enum FirstContact: Sendable, Equatable {
        case pin(CAPin)
        /// Trust whatever CA the server presents: only at the operator's explicit request.
        case insecure
    }

    public var name: String
    public var labels: Labels
    public var commandLabels: [String: CommandLabel]
    /// The service's data_dir; the node keeps its state in `data_dir/node`.
    public var dataDirectory: String
    public var reachability: Reachability
    /// Needed on first start only.
    public var joinToken: String?
    /// Needed on first start only; nil refuses to join.
    public var firstContact: FirstContact?
    public var keepalive: KeepalivePolicy
    public var backoff: ReconnectBackoff
    public var heartbeatInterval: Duration
    public var accessPolicyRefreshInterval: Duration
    /// Most audit events sent in one upload.
    public var auditBatchSize: Int
    public var onSpoolFailure: AuditFailurePolicy

    public init(
        name: String,
        labels: Labels = [:],
        commandLabels: [String: CommandLabel] = [:],
        dataDirectory: String,
        reachability: Reachability,
        joinToken: String? = nil,
        firstContact: FirstContact? = nil,
        keepalive: KeepalivePolicy = .default,
        backoff: ReconnectBackoff = ReconnectBackoff(),
        heartbeatInterval: Duration = .seconds(5),
        accessPolicyRefreshInterval: Duration = .seconds(30),
        auditBatchSize: Int = 256,
        onSpoolFailure: AuditFailurePolicy = .refuse
    ) {
        self.name = name
        self.labels = labels
        self.commandLabels = commandLabels
        self.dataDirectory = dataDirectory
        self.reachability = reachability
        self.joinToken = joinToken
        self.firstContact = firstContact
        self.keepalive = keepalive
        self.backoff = backoff
        self.heartbeatInterval = heartbeatInterval
        self.accessPolicyRefreshInterval = accessPolicyRefreshInterval
        self.auditBatchSize = auditBatchSize
        self.onSpoolFailure = onSpoolFailure
    }

    /// `data_dir/node`, where identity, keys, spool and policy cache live.
    public var nodeDirectory: String { (dataDirectory as NSString).appendingPathComponent("node") }

    /// Where API calls go: the auth service (direct) or the proxy (tunnel).
    public var apiServer: ServerEndpoint {
        switch reachability {
        case .direct(let authServer, _): ServerEndpoint(authServer.description, role: "the auth service", setting: "node.auth_server")
        case .tunnel(let proxyServer): Self.proxy(proxyServer)
        }
    }

    /// The proxy a tunnel node dials.
    static func proxy(_ address: HostPort) -> ServerEndpoint {
        ServerEndpoint(address.description, role: "the proxy", setting: "node.proxy_server")
    }

    public var isTunnel: Bool {
        if case .tunnel = reachability { true } else { false }
    }

    /// host:port a direct node listens on, as it joins and heartbeats with
    /// it (the proxy dials only what the node joined with); nil for a tunnel node.
    public var listenAddress: String? {
        guard case .direct(_, let listen) = reachability else { return nil }
        return listen.description
    }
}

/// A label whose value is the output of a command, refreshed every `period`.
public struct CommandLabel: Sendable, Equatable {
    /// argv; the first element is looked up in PATH unless it is a path.
    public var command: [String]
    public var period: Duration
    public var timeout: Duration

    public init(command: [String], period: Duration, timeout: Duration = .seconds(10)) {
        self.command = command
        self.period = period
        self.timeout = timeout
    }
}
