import TetherCore
import TetherPolicy

/// `auth.limits` and `proxy.limits`: how long a connection may take to
/// become useful and how many one listener holds, so that stalled or
/// flooding clients cannot hold the port.
public struct ListenerLimitsSection: Codable, Sendable, Equatable {
    /// From accept to a finished TLS handshake.
    public var handshakeTimeout: TimeSpan
    /// From the handshake to the first HTTP request's head.
    public var requestTimeout: TimeSpan
    /// An HTTP keep-alive connection with no request in flight is closed after this.
    public var idleTimeout: TimeSpan
    /// Connections held at once from one source address (loopback included).
    public var maxConnectionsPerAddress: Int
    /// Connections held at once in all; by default a quarter of the
    /// descriptor limit tetherd runs with.
    public var maxConnections: Int?

    public static let defaultMaxConnectionsPerAddress = 512

    enum CodingKeys: String, CodingKey {
        case handshakeTimeout = "handshake_timeout"
        case requestTimeout = "request_timeout"
        case idleTimeout = "idle_timeout"
        case maxConnectionsPerAddress = "max_connections_per_address"
        case maxConnections = "max_connections"
    }

    public init(
        handshakeTimeout: TimeSpan = TimeSpan(seconds: 10), requestTimeout: TimeSpan = TimeSpan(seconds: 10),
        idleTimeout: TimeSpan = TimeSpan(seconds: 60), maxConnectionsPerAddress: Int = Self.defaultMaxConnectionsPerAddress,
        maxConnections: Int? = nil
    ) {
        self.handshakeTimeout = handshakeTimeout
        self.requestTimeout = requestTimeout
        self.idleTimeout = idleTimeout
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.maxConnections = maxConnections
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ListenerLimitsSection()
        handshakeTimeout = try container.decodeIfPresent(TimeSpan.self, forKey: .handshakeTimeout) ?? defaults.handshakeTimeout
        requestTimeout = try container.decodeIfPresent(TimeSpan.self, forKey: .requestTimeout) ?? defaults.requestTimeout
        idleTimeout = try container.decodeIfPresent(TimeSpan.self, forKey: .idleTimeout) ?? defaults.idleTimeout
        maxConnectionsPerAddress = try container.decodeIfPresent(Int.self, forKey: .maxConnectionsPerAddress) ?? defaults.maxConnectionsPerAddress
        maxConnections = try container.decodeIfPresent(Int.self, forKey: .maxConnections)
    }

    func validate(at path: FieldPath) throws(FieldError) {
        guard maxConnectionsPerAddress >= 1 else {
            throw FieldError(path.key("max_connections_per_address"), "is \(maxConnectionsPerAddress); allow at least 1 connection per address (default \(Self.defaultMaxConnectionsPerAddress)).")
        }
        if let maxConnections, maxConnections < maxConnectionsPerAddress {
            throw FieldError(path.key("max_connections"), "is \(maxConnections), below max_connections_per_address (\(maxConnectionsPerAddress)); raise it or leave it out for a quarter of the descriptor limit.")
        }
    }
}
