import Logging
import TetherAPI
import TetherCore
import TetherTunnel

/// The node's periodic work besides serving sessions: heartbeats, command
/// labels and access-policy refreshes. Each loop runs until cancelled and
/// survives an unreachable auth service (it logs and tries again next time).
struct PresenceLoops: Sendable {
    let configuration: NodeConfiguration
    let identity: NodeIdentity
    let labels: NodeLabels
    let policy: AccessPolicyCache
    let sessions: OpenSessions
    let api: any NodeClusterAPI
    let logger: Logger

    /// What the node tells auth about itself now.
    var heartbeat: Heartbeat {
        let seconds = max(Int64(1), configuration.heartbeatInterval.components.seconds)
        return Heartbeat(
            hostID: identity.record.hostID, name: configuration.name, labels: labels.current,
            tunnel: configuration.isTunnel, address: configuration.listenAddress,
            sshHostKey: identity.sshHostKey.publicKey.authorizedKeyLine(), ttlSeconds: seconds * 3
        )
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

    /// Keeps a watch on the access policy open: each answer comes as soon
    /// as roles, users or locks change (or, unchanged, after the auth
    /// service's longest hold: the periodic full refresh), is put in force
    /// and ends the open sessions a new lock matches. A failed watch is
    /// retried after a growing delay, capped by the refresh interval.
    func runAccessPolicyWatch(from generation: Int64?) async {
        var known = generation
        var backoff = ReconnectBackoff(initial: .milliseconds(250), cap: configuration.accessPolicyRefreshInterval)
        await repeatUntilCancelled {
            guard let snapshot = await refreshAccessPolicy(after: known) else {
                known = nil
                return backoff.nextDelay()
            }
            backoff.reset()
            known = snapshot.generation
            // An auth service that counts no generations cannot be watched: poll it.
            return known == nil ? configuration.accessPolicyRefreshInterval : .zero
        }
    }

    /// Fetches and applies the policy (nil if that failed).
    @discardableResult
    func refreshAccessPolicy(after known: Int64? = nil) async -> AccessPolicySnapshot? {
        do {
            let snapshot = try await api.accessPolicy(after: known)
            try policy.update(snapshot)
            sessions.enforce()
            return snapshot
        } catch {
            if !Task.isCancelled {
                logger.warning("access policy refresh failed; deciding from the cached one", metadata: ["error": "\(error.message)"])
            }
            return nil
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
}
