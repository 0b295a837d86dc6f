import NIOCore
import NIOPosix
import TetherAPI
import TetherCore

/// Everything the `tether` command does, as a library: one value per
/// profile directory, with the clock and event loops injected.
public struct UserClient: Sendable {
    public let store: ProfileStore
    public let clock: any WallClock
    public let eventLoopGroup: any EventLoopGroup

    public init(store: ProfileStore, clock: any WallClock = SystemWallClock(), eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.store = store
        self.clock = clock
        self.eventLoopGroup = eventLoopGroup
    }

    // MARK: Profile

    /// `tether login`: certificates for fresh keys, saved in the profile.
    public func logIn(_ options: LoginOptions) async throws(TetherError) -> ClientIdentity {
        try await LoginFlow.logIn(options, store: store, eventLoopGroup: eventLoopGroup)
    }

    /// The saved profile, expired or not (`tether status`).
    public func savedProfile() throws(TetherError) -> ClientProfile {
        guard let profile = try store.loadProfile() else {
            throw TetherError(.notFound, "you are not logged in; run tether login --proxy HOST:PORT --user NAME.")
        }
        return profile
    }

    /// `tether logout`: removes keys, certificates and profile. Returns the
    /// profile that was removed, nil if there was none.
    @discardableResult
    public func logOut() throws(TetherError) -> ClientProfile? {
        let profile = try? store.loadProfile()
        try store.remove()
        return profile
    }

    /// The saved identity, refused once its certificates have expired.
    public func currentIdentity() throws(TetherError) -> ClientIdentity {
        let identity = try store.load()
        try identity.profile.requireUnexpired(at: clock.now())
        return identity
    }

    // MARK: Nodes

    /// `tether ls`: the nodes of `cluster` (default: the profile's) that
    /// carry all of `labels`.
    public func nodes(cluster: String?, labels: Labels) async throws(TetherError) -> [NodeSummary] {
        let identity = try currentIdentity()
        let cluster = cluster ?? identity.profile.cluster
        let nodes = try await ClusterAPI(identity: identity, eventLoopGroup: eventLoopGroup).nodes(cluster: cluster)
        return NodeSelection.matching(nodes, cluster: cluster, labels: labels)
    }

    /// When `tether ls` of the cluster logged in to came back empty: the
    /// sentence naming its leaves, where the user's nodes may be (nil if it
    /// has none, or they cannot be listed).
    public func emptyListingHint(cluster: String?, labels: Labels) async -> String? {
        guard let identity = try? currentIdentity(), cluster == nil || cluster == identity.profile.cluster,
              let clusters = try? await ClusterAPI(identity: identity, eventLoopGroup: eventLoopGroup).clusters()
        else { return nil }
        return LeafHints.emptyListing(cluster: identity.profile.cluster, labels: labels, leaves: Self.leaves(of: clusters))
    }

    // MARK: Connections

    /// `tether ssh`: runs `request` on the node as the chosen login, with
    /// the node's host key pinned to the one the inventory lists. Without
    /// `cluster`, NODE.CLUSTER names a node of that cluster (`NodeFinder`).
    public func ssh(
        to destination: SSHDestination,
        loginFlag: String?,
        cluster: String?,
        request: SessionRequest,
        io: SessionIO,
        localUser: String = LocalUser.name()
    ) async throws(TetherError) -> SessionExit {
        let identity = try currentIdentity()
        let api = ClusterAPI(identity: identity, eventLoopGroup: eventLoopGroup)
        let node = try await NodeFinder(api: api, home: identity.profile.cluster).node(destination.node, cluster: cluster)
        let target = ConnectTarget(
            node: node.name,
            cluster: node.cluster,
            login: destination.login(flag: loginFlag, localUser: localUser),
            certificate: identity.sshCertificate
        )
        let shell = SecureShell(dialer: try ProxyDialer(identity: identity, eventLoopGroup: eventLoopGroup), key: identity.nioSSHKey)
        return try await shell.run(target, hostKey: try PinnedHostKey.parse(node.sshHostKey, node: node.name), request: request, io: io)
    }

    /// `tether proxy ssh LOGIN@NODE:PORT`: a raw byte pipe to the node's SSH
    /// server, for stock ssh's ProxyCommand.
    public func proxySSH(_ destination: String, cluster: String?, io: SessionIO) async throws(TetherError) {
        let identity = try currentIdentity()
        let cluster = cluster ?? identity.profile.cluster
        let parsed = try ProxyDestination(parsing: destination, cluster: cluster)
        let target = ConnectTarget(node: parsed.node, cluster: cluster, login: parsed.login, certificate: identity.sshCertificate)
        try await RawPipe(dialer: try ProxyDialer(identity: identity, eventLoopGroup: eventLoopGroup)).run(target, io: io)
    }

    /// `tether config`: refreshes known_hosts from the inventory of the
    /// root and every online leaf, and returns the OpenSSH configuration
    /// that uses it (`ssh LOGIN@NODE.CLUSTER` for each cluster).
    public func openSSHConfig(tetherPath: String) async throws(TetherError) -> String {
        let identity = try currentIdentity()
        let api = ClusterAPI(identity: identity, eventLoopGroup: eventLoopGroup)
        var knownHosts: [String: String] = [:]
        var sections: [String] = []
        for cluster in try await api.clusters() {
            guard cluster.online else {
                sections.append("# Tether cluster \(cluster.name) is offline (last seen \(cluster.lastSeen ?? "never")); run tether config again once it is back.\n")
                continue
            }
            do {
                knownHosts[cluster.name] = OpenSSHConfig.knownHosts(try await api.nodes(cluster: cluster.name), cluster: cluster.name)
                sections.append(OpenSSHConfig.render(cluster: cluster.name, tetherPath: tetherPath, store: store))
            } catch where error.code == .accessDenied {
                sections.append("# Tether cluster \(cluster.name) grants you nothing: \(error.message)\n")
            } catch where error.code == .invalidResponse {
                // One leaf answering nonsense leaves the other clusters' configuration whole.
                sections.append("# Tether cluster \(cluster.name) is left out: \(error.message)\n")
            }
        }
        try store.saveKnownHosts(knownHosts)
        return sections.joined(separator: "\n")
    }

    // MARK: Clusters

    /// `tether clusters`: the cluster logged in to and its leaves.
    public func clusters() async throws(TetherError) -> [ClusterSummary] {
        try await ClusterAPI(identity: try currentIdentity(), eventLoopGroup: eventLoopGroup).clusters()
    }

    // MARK: Recordings

    /// `tether play`: fetches a recorded session (of `cluster`, default the
    /// profile's) and writes its output. One the profile's cluster never
    /// recorded may have run in a leaf: the refusal names them. Returns the
    /// sentence saying the recording is incomplete, if it is.
    @discardableResult
    public func play(sessionID: String, cluster: String?, speed: Double, to output: SessionIO.Sink) async throws -> String? {
        let player = try SessionPlayer(speed: speed)
        let identity = try currentIdentity()
        let api = ClusterAPI(identity: identity, eventLoopGroup: eventLoopGroup)
        let home = identity.profile.cluster
        let playback: SessionPlayback
        do {
            playback = try await api.session(id: sessionID, cluster: cluster ?? home)
        } catch {
            guard error.code == .notFound, cluster == nil || cluster == home else { throw error }
            throw await notRecorded(sessionID, in: home, api: api, error)
        }
        try await player.play(playback, to: output)
        return playback.incomplete
    }

    /// `error`, or the sentence naming the leaves where the session may have run.
    private func notRecorded(_ sessionID: String, in home: String, api: ClusterAPI, _ error: TetherError) async -> TetherError {
        let leaves = (try? await api.clusters()).map(Self.leaves(of:)) ?? []
        return LeafHints.sessionNotFound(sessionID, cluster: home, leaves: leaves) ?? error
    }

    private static func leaves(of clusters: [ClusterSummary]) -> [String] {
        clusters.filter { $0.role == .leaf }.map(\.name)
    }
}
