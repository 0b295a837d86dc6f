import Logging
import TetherAPI
import TetherCore

/// The node's periodic work besides serving sessions: heartbeats, command
/// labels and access-policy refreshes. Each loop runs until cancelled and
/// survives an unreachable auth service (it logs and tries again next time).
struct PresenceLoops: Sendable {
    let configuration: NodeConfiguration
    let identity: NodeIdentity
    let labels: NodeLabels
    let policy: AccessPolicyCache
    let api: any NodeClusterAPI
    let logger: Logger

    /// What the node tells auth about itself now.
    var heartbeat: Heartbeat {
        let seconds = max(Int64(1), configuration.heartbeatInterval.components.seconds)
        return Heartbeat(
            hostID: identity.record.hostID, name: configuration.name, labels: labels.current,
            tunnel: configuration.isTunnel, address: directAddress,
            sshHostKey: identity.sshHostKey.publicKey.authorizedKeyLine(), ttlSeconds: seconds * 3
        )
    }

    private var directAddress: String? {
        guard case .direct(_, let listen) = configuration.reachability else { return nil }
        return listen.description
    }

    func runHeartbeats() async {
        await repeatEvery(configuration.heartbeatInterval) {
            do throws(TetherError) {
                try await api.heartbeat(heartbeat)
            } catch {
                logger.warning("heartbeat failed", metadata: ["error": "\(error.message)"])
            }
        }
    }

    func runAccessPolicyRefresh() async {
        await repeatEvery(configuration.accessPolicyRefreshInterval) { await refreshAccessPolicy() }
    }

    func refreshAccessPolicy() async {
        do {
            try policy.update(try await api.accessPolicy())
        } catch {
            logger.warning("access policy refresh failed; deciding from the cached one", metadata: ["error": "\(error.message)"])
        }
    }

    /// One loop per command label, each on its own period.
    func runCommandLabels() async {
        await withTaskGroup(of: Void.self) { group in
            for (key, label) in configuration.commandLabels {
                group.addTask {
                    await repeatEvery(label.period) { await refresh(key, label) }
                }
            }
        }
    }

    func refresh(_ key: String, _ label: CommandLabel) async {
        do {
            labels.setCommandLabel(key, value: try await CommandOutput.run(label.command, timeout: label.timeout))
        } catch {
            logger.warning("command label refresh failed; keeping the last value", metadata: ["label": "\(key)", "error": "\(error.message)"])
        }
    }

    private func repeatEvery(_ period: Duration, _ body: () async -> Void) async {
        while !Task.isCancelled {
            await body()
            try? await Task.sleep(for: period)
        }
    }
}
