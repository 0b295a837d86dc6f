import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import TetherAPI
import TetherCore
import TetherTransport
import TetherTunnel

/// The leaf proxy's tunnels to the roots its cluster trusts: one tunnel
/// agent per enabled trust, dialling the root proxy as this leaf (its proxy
/// certificate, signed by the leaf CA the root stored) and serving the
/// streams the root opens. A trust that is disabled, removed or re-pointed
/// stops its agent within one poll, which closes the tunnel and every
/// session riding on it.
struct RootLinks: Sendable {
    let clusterName: String
    let federation: any FederationAuthority
    let credentials: TLSCredentials
    let keepalive: KeepalivePolicy
    let poll: Duration
    let group: any EventLoopGroup
    let makeRouter: @Sendable (String) -> any TunnelStreamRouter
    let logger: Logger
    let onEvent: @Sendable (ProxyEvent) -> Void

    func run() async {
        let linked = NIOLockedValueBox<Set<String>>([])
        await withDiscardingTaskGroup { links in
            await repeatEvery(poll) {
                for root in currentRoots() where root.enabled {
                    guard linked.withLockedValue({ $0.insert(root.name).inserted }) else { continue }
                    links.addTask {
                        await hold(root)
                        linked.withLockedValue { _ = $0.remove(root.name) }
                    }
                }
            }
        }
    }

    private func currentRoots() -> [TrustedRoot] {
        do {
            return try federation.trustedRoots()
        } catch {
            logger.warning("cannot read the trusted clusters", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// Keeps the tunnel to `root` up until its trust changes.
    private func hold(_ root: TrustedRoot) async {
        let agent: TunnelAgent
        do {
            agent = try makeAgent(for: root)
        } catch {
            logger.error("cannot dial root cluster", metadata: ["root": "\(root.name)", "error": "\(error)"])
            try? await Task.sleep(for: poll)
            return
        }
        logger.info("linking to root cluster", metadata: ["root": "\(root.name)", "proxy": "\(root.proxyAddress)"])
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await agent.run() }
            tasks.addTask { await waitUntilChanged(root) }
            await tasks.next()
            tasks.cancelAll()
        }
    }

    private func waitUntilChanged(_ root: TrustedRoot) async {
        await repeatUntilCancelled(startingAfter: poll) {
            (try? federation.trustedRoots())?.first(where: { $0.name == root.name }) != root ? nil : poll
        }
    }

    private func makeAgent(for root: TrustedRoot) throws -> TunnelAgent {
        let address = try HostPort(parsing: root.proxyAddress)
        let configuration = TunnelAgentConfiguration(
            proxyHost: address.host, proxyPort: address.port, keepalive: keepalive,
            secureTransport: try TunnelTLS.dialler(
                credentials: credentials, trustedCAPEMs: root.tlsCAPEMs, expecting: .proxy(of: root.name),
                at: ServerEndpoint(root.proxyAddress, role: "the root cluster's proxy", setting: "spec.proxy_addr of trusted_cluster \(root.name)")))
        let onEvent = onEvent
        return TunnelAgent(configuration: configuration, group: group, router: makeRouter(root.name), logger: logger) { event in
            switch event {
            case .connected: onEvent(.rootLink(cluster: root.name, online: true, reason: nil))
            case .disconnected(let reason): onEvent(.rootLink(cluster: root.name, online: false, reason: reason))
            case .connectFailed, .retrying: break
            }
        }
    }
}
