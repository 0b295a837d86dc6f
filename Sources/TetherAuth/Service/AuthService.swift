import Hummingbird
import HummingbirdTLS
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTPTypes
import ServiceLifecycle
import TetherAPI
import TetherCore
import TetherTransport

/// The auth service: its state (`core`) and its HTTPS API on `listen`,
/// TLS 1.3 with optional client certificates. Run it in a `ServiceGroup`;
/// it stops on graceful shutdown or cancellation.
public struct AuthService: Service {
    public struct Configuration: Sendable {
        public var cluster: String
        public var dataDirectory: String
        /// `host:port`; port 0 picks a free port (see `onListening`).
        public var listen: String
        public var secondFactor: SecondFactor
        public var proxyPublicAddress: String?
        public var passwordCost: PasswordHash.Parameters
        public var clock: any WallClock
        /// Deadlines and connection caps on `listen`.
        public var limits: ConnectionLimits
        /// Failed logins that lock out a user name or an address.
        public var throttle: LoginThrottle.Policy
        /// Threads that hash logins' passwords, and logins that may wait for one.
        public var loginThreads: Int
        public var loginQueue: Int

        public init(cluster: String, dataDirectory: String, listen: String, secondFactor: SecondFactor = .off,
                    proxyPublicAddress: String? = nil, passwordCost: PasswordHash.Parameters = .standard,
                    clock: any WallClock = SystemWallClock(), limits: ConnectionLimits = ConnectionLimits(),
                    throttle: LoginThrottle.Policy = LoginThrottle.Policy(), loginThreads: Int = 1, loginQueue: Int = 16) {
            self.cluster = cluster
            self.dataDirectory = dataDirectory
            self.listen = listen
            self.secondFactor = secondFactor
            self.proxyPublicAddress = proxyPublicAddress
            self.passwordCost = passwordCost
            self.clock = clock
            self.limits = limits
            self.throttle = throttle
            self.loginThreads = loginThreads
            self.loginQueue = loginQueue
        }
    }

    /// The TLS role (OU) of the auth service's own certificate.
    public static let tlsRole = ForwardedIdentity.authRole

    public let core: AuthCore
    public let configuration: Configuration
    private let logger: Logger
    private let onListening: @Sendable (SocketAddress) async -> Void

    /// Opens the data directory (creating the cluster authority on first
    /// start); `onListening` learns the bound address once serving.
    public init(
        configuration: Configuration,
        logger: Logger = Logger(label: "tether.auth"),
        onListening: @escaping @Sendable (SocketAddress) async -> Void = { _ in }
    ) throws(TetherError) {
        self.configuration = configuration
        self.logger = logger
        self.onListening = onListening
        core = try AuthCore(
            cluster: configuration.cluster, dataDirectory: configuration.dataDirectory,
            secondFactor: configuration.secondFactor, proxyPublicAddress: configuration.proxyPublicAddress,
            throttlePolicy: configuration.throttle, passwordCost: configuration.passwordCost, clock: configuration.clock)
    }

    /// A host identity for a co-located service (e.g. the proxy: role `proxy`).
    public func issueServiceIdentity(role: String, name: String, addresses: [String]) throws(TetherError) -> ServiceIdentity {
        try core.issueServiceIdentity(role: role, name: name, addresses: addresses)
    }

    public func run() async throws {
        let listen = try HostPort(parsing: configuration.listen, listening: true)
        let (host, port) = (listen.host, listen.port)
        let identity = try core.issueServiceIdentity(role: Self.tlsRole, name: Self.tlsRole, addresses: [host])
        let tls = try TLSSettings.server(identity.credentials, clientCertificates: .optional, applicationProtocols: [ALPN.http])
        let onListening = self.onListening
        let logger = self.logger
        let listening = NIOLockedValueBox(false)
        let limits = configuration.limits
        let guarding = ListenerGuard(listener: "the auth service", limits: limits) { logger.warning("\($0)") }
        let logins = LoginWorkers(threads: configuration.loginThreads, queue: configuration.loginQueue)
        let application = Application(
            router: AuthRouter.make(core: core, logins: logins, logger: logger),
            server: try .tls(
                .http1(configuration: .init(
                    additionalChannelHandlers: [
                        guarding.admission(),
                        // Armed from accept: the handshake, then the first request.
                        guarding.deadline(from: .handshake) { (part: HTTPRequestPart) in if case .head = part { true } else { false } },
                    ],
                    idleTimeout: limits.idleTimeout)),
                tlsConfiguration: tls),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                listening.withLockedValue { $0 = true }
                guard let address = channel.localAddress else { return }
                logger.info("auth service listening", metadata: ["address": "\(address)"])
                await onListening(address)
            },
            logger: logger
        )
        let watch = core.policyWatch
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await watch.run() }
                try await withGracefulShutdownHandler {
                    try await application.run()
                } onGracefulShutdown: {
                    watch.releaseWaiters()
                }
                group.cancelAll()
            }
            await logins.shutdown()
        } catch {
            await logins.shutdown()
            // Before the server runs, what fails is the bind.
            guard !listening.withLockedValue({ $0 }), !(error is CancellationError) else { throw error }
            throw SocketFailure.listening("the auth service", on: listen.description, field: "auth.listen", error)
        }
    }
}
