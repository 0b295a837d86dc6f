import Foundation
import TetherCore
import TetherPolicy

/// The `tetherd start --config FILE` file: which services this process runs
/// and how. Decoded strictly (unknown fields refused; errors name the file,
/// line and field), then checked as a whole.
public struct TetherdConfiguration: Codable, Sendable, Equatable {
    public var cluster: String?
    public var dataDir: String
    public var logLevel: LogLevel
    public var auth: AuthSection?
    public var proxy: ProxySection?
    public var node: NodeSection?

    public enum LogLevel: String, Codable, Sendable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical

        public init(from decoder: any Decoder) throws {
            self = try decodeWord(from: decoder)
        }
    }

    enum CodingKeys: String, CodingKey {
        case cluster, auth, proxy, node
        case dataDir = "data_dir"
        case logLevel = "log_level"
    }

    public init(cluster: String?, dataDir: String, logLevel: LogLevel = .info, auth: AuthSection? = nil, proxy: ProxySection? = nil, node: NodeSection? = nil) {
        self.cluster = cluster
        self.dataDir = dataDir
        self.logLevel = logLevel
        self.auth = auth
        self.proxy = proxy
        self.node = node
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        cluster = try container.decodeIfPresent(String.self, forKey: .cluster)
        dataDir = try container.decode(String.self, forKey: .dataDir)
        logLevel = try container.decodeIfPresent(LogLevel.self, forKey: .logLevel) ?? .info
        auth = try container.decodeIfPresent(AuthSection.self, forKey: .auth)
        proxy = try container.decodeIfPresent(ProxySection.self, forKey: .proxy)
        node = try container.decodeIfPresent(NodeSection.self, forKey: .node)
    }

    /// Reads and checks a configuration file.
    public static func load(path: String) throws(TetherError) -> TetherdConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TetherError(.invalidArgument, "cannot read the configuration file \(path): \(TetherError.clause(error)).")
        }
        return try parse(text, source: path)
    }

    public static func parse(_ text: String, source: String) throws(TetherError) -> TetherdConfiguration {
        try StrictYAMLDecoder.decode(TetherdConfiguration.self, from: text, source: source) { configuration throws(FieldError) in
            try configuration.validate()
        }
    }

    /// The services this process runs.
    public var runsAuth: Bool { auth?.enabled ?? false }
    public var runsProxy: Bool { proxy?.enabled ?? false }
    public var runsNode: Bool { node?.enabled ?? false }

    /// `data_dir` made absolute against `base` (the directory tetherd runs in).
    public func dataDirectory(relativeTo base: URL) -> URL {
        URL(fileURLWithPath: dataDir, relativeTo: base).standardizedFileURL
    }
}

public struct AuthSection: Codable, Sendable, Equatable {
    public var enabled: Bool
    public var listen: String
    public var secondFactor: SecondFactor
    /// log2 of scrypt's N for new password hashes (`password_cost`).
    public var passwordCost: Int
    /// Threads that hash logins' passwords, and logins that may wait for one.
    public var loginThreads: Int
    public var loginQueue: Int
    /// Failed logins from one address (within 5 minutes) that lock it out for a minute.
    public var loginFailuresPerAddress: Int
    public var limits: ListenerLimitsSection

    /// Below 2^15 a guess costs an attacker too little; above 2^20 one
    /// login takes a GiB of memory.
    public static let passwordCosts = 15...20
    /// N = 2^17, 128 MiB per hash, as OWASP recommends for scrypt.
    public static let defaultPasswordCost = 17
    public static let loginThreadCounts = 1...16

    public enum SecondFactor: String, Codable, Sendable, CaseIterable {
        case off, otp

        public init(from decoder: any Decoder) throws {
            self = try decodeWord(from: decoder)
        }
    }

    enum CodingKeys: String, CodingKey {
        case enabled, listen
        case secondFactor = "second_factor"
        case passwordCost = "password_cost"
        case loginThreads = "login_threads"
        case loginQueue = "login_queue"
        case loginFailuresPerAddress = "login_failures_per_address"
        case limits
    }

    public init(
        enabled: Bool = true, listen: String, secondFactor: SecondFactor = .off, passwordCost: Int = Self.defaultPasswordCost,
        loginThreads: Int = 1, loginQueue: Int = 16, loginFailuresPerAddress: Int = 20, limits: ListenerLimitsSection = ListenerLimitsSection()
    ) {
        self.enabled = enabled
        self.listen = listen
        self.secondFactor = secondFactor
        self.passwordCost = passwordCost
        self.loginThreads = loginThreads
        self.loginQueue = loginQueue
        self.loginFailuresPerAddress = loginFailuresPerAddress
        self.limits = limits
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        listen = try container.decode(String.self, forKey: .listen)
        secondFactor = try container.decodeIfPresent(SecondFactor.self, forKey: .secondFactor) ?? .off
        passwordCost = try container.decodeIfPresent(Int.self, forKey: .passwordCost) ?? Self.defaultPasswordCost
        loginThreads = try container.decodeIfPresent(Int.self, forKey: .loginThreads) ?? 1
        loginQueue = try container.decodeIfPresent(Int.self, forKey: .loginQueue) ?? 16
        loginFailuresPerAddress = try container.decodeIfPresent(Int.self, forKey: .loginFailuresPerAddress) ?? 20
        limits = try container.decodeIfPresent(ListenerLimitsSection.self, forKey: .limits) ?? ListenerLimitsSection()
    }
}

public struct ProxySection: Codable, Sendable, Equatable {
    public var enabled: Bool
    public var listen: String
    /// The address clients and tunnels use to reach this proxy.
    public var publicAddr: String?
    /// How often the proxy pings each tunnel; silence for 3 intervals drops it.
    public var keepaliveInterval: TimeSpan
    public var limits: ListenerLimitsSection

    enum CodingKeys: String, CodingKey {
        case enabled, listen, limits
        case publicAddr = "public_addr"
        case keepaliveInterval = "keepalive_interval"
    }

    public init(
        enabled: Bool = true, listen: String, publicAddr: String? = nil, keepaliveInterval: TimeSpan = TimeSpan(seconds: 5),
        limits: ListenerLimitsSection = ListenerLimitsSection()
    ) {
        self.enabled = enabled
        self.listen = listen
        self.publicAddr = publicAddr
        self.keepaliveInterval = keepaliveInterval
        self.limits = limits
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        listen = try container.decode(String.self, forKey: .listen)
        publicAddr = try container.decodeIfPresent(String.self, forKey: .publicAddr)
        keepaliveInterval = try container.decodeIfPresent(TimeSpan.self, forKey: .keepaliveInterval) ?? TimeSpan(seconds: 5)
        limits = try container.decodeIfPresent(ListenerLimitsSection.self, forKey: .limits) ?? ListenerLimitsSection()
    }
}

public struct NodeSection: Codable, Sendable, Equatable {
    public var enabled: Bool
    public var name: String
    public var labels: [String: String]
    public var commandLabels: [String: CommandLabel]
    /// Direct node: the auth service it joins and reports to.
    public var authServer: String?
    /// Tunnel node: the proxy it dials; it never listens.
    public var proxyServer: String?
    /// Direct nodes only: where the proxy reaches it.
    public var listen: String?
    public var joinToken: String?
    public var caPin: String?
    /// Tunnel liveness: a PING every interval, dead after 3 silent intervals.
    public var keepaliveInterval: TimeSpan
    /// Longest wait between reconnect attempts.
    public var maxBackoff: TimeSpan
    public var audit: NodeAuditSection

    public struct CommandLabel: Codable, Sendable, Equatable {
        public var command: [String]
        public var period: TimeSpan

        public init(command: [String], period: TimeSpan) {
            self.command = command
            self.period = period
        }
    }

    enum CodingKeys: String, CodingKey {
        case enabled, name, labels, listen
        case commandLabels = "command_labels"
        case authServer = "auth_server"
        case proxyServer = "proxy_server"
        case joinToken = "join_token"
        case caPin = "ca_pin"
        case keepaliveInterval = "keepalive_interval"
        case maxBackoff = "max_backoff"
        case audit
    }

    public init(
        enabled: Bool = true, name: String, labels: [String: String] = [:], commandLabels: [String: CommandLabel] = [:],
        authServer: String? = nil, proxyServer: String? = nil, listen: String? = nil, joinToken: String? = nil, caPin: String? = nil,
        keepaliveInterval: TimeSpan = TimeSpan(seconds: 5), maxBackoff: TimeSpan = TimeSpan(seconds: 30),
        audit: NodeAuditSection = NodeAuditSection()
    ) {
        self.enabled = enabled
        self.name = name
        self.labels = labels
        self.commandLabels = commandLabels
        self.authServer = authServer
        self.proxyServer = proxyServer
        self.listen = listen
        self.joinToken = joinToken
        self.caPin = caPin
        self.keepaliveInterval = keepaliveInterval
        self.maxBackoff = maxBackoff
        self.audit = audit
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        name = try container.decode(String.self, forKey: .name)
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        commandLabels = try container.decodeIfPresent([String: CommandLabel].self, forKey: .commandLabels) ?? [:]
        authServer = try container.decodeIfPresent(String.self, forKey: .authServer)
        proxyServer = try container.decodeIfPresent(String.self, forKey: .proxyServer)
        listen = try container.decodeIfPresent(String.self, forKey: .listen)
        joinToken = try container.decodeIfPresent(String.self, forKey: .joinToken)
        caPin = try container.decodeIfPresent(String.self, forKey: .caPin)
        keepaliveInterval = try container.decodeIfPresent(TimeSpan.self, forKey: .keepaliveInterval) ?? TimeSpan(seconds: 5)
        maxBackoff = try container.decodeIfPresent(TimeSpan.self, forKey: .maxBackoff) ?? TimeSpan(seconds: 30)
        audit = try container.decodeIfPresent(NodeAuditSection.self, forKey: .audit) ?? NodeAuditSection()
    }

    /// True when the node dials a proxy rather than listening.
    public var isTunnelNode: Bool { proxyServer != nil }
}

/// `node.audit`: what the node does when its audit spool cannot be written.
public struct NodeAuditSection: Codable, Sendable, Equatable {
    public var onSpoolFailure: SpoolFailure

    public enum SpoolFailure: String, Codable, Sendable, CaseIterable {
        /// Refuse new sessions and end recorded ones: nothing happens unaudited.
        case refuse
        /// Keep serving, unaudited, and log the failure.
        case `continue`

        public init(from decoder: any Decoder) throws {
            self = try decodeWord(from: decoder)
        }
    }

    enum CodingKeys: String, CodingKey {
        case onSpoolFailure = "on_spool_failure"
    }

    public init(onSpoolFailure: SpoolFailure = .refuse) {
        self.onSpoolFailure = onSpoolFailure
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        onSpoolFailure = try container.decodeIfPresent(SpoolFailure.self, forKey: .onSpoolFailure) ?? .refuse
    }
}
