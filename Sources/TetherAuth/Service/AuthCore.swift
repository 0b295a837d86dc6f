import Foundation
import TetherCore
import TetherIdentity
import TetherStorage

/// The auth service's state in one data directory and the operations on it.
/// The HTTP API and `tetherctl` both work through this type; several
/// processes may open the same directory at once (SQLite WAL, CA files
/// only read after creation).
public struct AuthCore: Sendable {
    public let cluster: String
    public let dataDirectory: String
    public let store: SQLiteStore
    public let authority: ClusterAuthority
    public let resources: ClusterResources
    public let audit: AuditTrail
    public let clock: any WallClock
    public let proxyPublicAddress: String?

    public let users: UserAdmin
    public let tokens: JoinTokens
    public let admin: AdminService
    public let login: LoginService
    public let join: JoinService
    public let presence: PresenceService
    public let ingestion: AuditIngestion
    public let playback: SessionPlaybackService
    /// Root side of trusted clusters: the leaves that trust this cluster.
    public let leaves: LeafRegistry
    /// Leaf side: the roots this cluster trusts, and root users' certificates re-issued here.
    public let trusts: TrustedRoots
    public let translator: CertificateTranslator
    /// Wakes nodes' long polls of the access policy when it changes.
    public let policyWatch: PolicyWatch
    /// Root users' locks, sent to leaves (root) or copied from roots (leaf).
    public let rootLocks: RootLockMirror

    /// Opens (creating on first use) the state of `cluster` in `dataDirectory`.
    public init(
        cluster: String,
        dataDirectory: String,
        secondFactor: SecondFactor = .off,
        proxyPublicAddress: String? = nil,
        throttlePolicy: LoginThrottle.Policy = LoginThrottle.Policy(),
        passwordCost: PasswordHash.Parameters = .standard,
        clock: any WallClock = SystemWallClock()
    ) throws(TetherError) {
        guard !cluster.isEmpty else {
            throw TetherError(.invalidArgument, "the cluster name is empty; set `cluster` in the configuration.")
        }
        try SecureFile.makePrivateDirectory(dataDirectory)
        let store = try SQLiteStore(dataDirectory: dataDirectory, clock: clock)
        let resources = ClusterResources(store: store)
        let audit = AuditTrail(log: store, cluster: cluster, clock: clock)
        let authority = try ClusterAuthority.bootstrap(
            cluster: cluster, dataDirectory: dataDirectory, resources: resources, audit: audit, clock: clock)
        let credentials = CredentialStore(store: store)
        let tokens = JoinTokens(resources: resources, audit: audit, clock: clock)

        self.cluster = cluster
        self.dataDirectory = dataDirectory
        self.store = store
        self.authority = authority
        self.resources = resources
        self.audit = audit
        self.clock = clock
        self.proxyPublicAddress = proxyPublicAddress
        self.tokens = tokens
        let foreign = ForeignAuthorities(resources: resources)
        leaves = LeafRegistry(
            cluster: cluster, authority: authority, resources: resources, tokens: tokens, foreign: foreign,
            audit: audit, clock: clock, proxyPublicAddress: proxyPublicAddress)
        trusts = TrustedRoots(cluster: cluster, authority: authority, resources: resources, foreign: foreign, audit: audit)
        translator = CertificateTranslator(
            cluster: cluster, authority: authority, resources: resources, foreign: foreign, audit: audit, clock: clock)
        users = UserAdmin(resources: resources, credentials: credentials, audit: audit, passwordCost: passwordCost)
        admin = AdminService(resources: resources, log: store, audit: audit, clock: clock, leaves: leaves, trusts: trusts)
        login = LoginService(
            authority: authority, resources: resources, credentials: credentials,
            throttle: LoginThrottle(policy: throttlePolicy, clock: clock), audit: audit, clock: clock,
            secondFactor: secondFactor, proxyPublicAddress: proxyPublicAddress, passwordCost: passwordCost)
        join = JoinService(authority: authority, resources: resources, tokens: tokens, audit: audit, clock: clock,
                           proxyPublicAddress: proxyPublicAddress)
        presence = PresenceService(cluster: cluster, resources: resources, audit: audit, clock: clock)
        ingestion = AuditIngestion(cluster: cluster, store: store, resources: resources, audit: audit)
        policyWatch = PolicyWatch(store: store)
        rootLocks = RootLockMirror(resources: resources, audit: audit, watch: policyWatch)
        playback = SessionPlaybackService(log: store, resources: resources, audit: audit, clock: clock)
    }
}
