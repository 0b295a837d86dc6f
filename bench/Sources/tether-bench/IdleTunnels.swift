import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import TetherAPI
import TetherAuth
import TetherCore
import TetherTransport
import TetherTunnel

/// `tether-bench tunnels DATA_DIR CLUSTER PROXY_HOST:PORT COUNT`: holds COUNT
/// reverse tunnels to a running proxy from lightweight in-process agents, the
/// same `TunnelAgent` a node runs with the default keepalive, each with its
/// own node certificate issued from the cluster's data directory (beside the
/// running auth service, as `tetherctl` works). Prints `connected COUNT` once
/// every tunnel is up, then holds them until killed; a tunnel that drops is
/// reported, since an idle measurement with churn would be wrong.
enum IdleTunnels {
    static func run(dataDirectory: String, cluster: String, proxy: HostPort, count: Int) async throws {
        let core = try AuthCore(cluster: cluster, dataDirectory: dataDirectory)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let progress = Progress(expected: count)
        var agents: [TunnelAgent] = []
        for index in 0..<count {
            let identity = try core.issueServiceIdentity(
                role: ForwardedIdentity.nodeRole, name: "bench-agent-\(index)", addresses: ["127.0.0.1"])
            let tls = try NIOSSLContext(configuration: try TLSSettings.client(
                credentials: identity.credentials, trustedCAPEMs: identity.credentials.trustedCAPEMs,
                applicationProtocols: [ALPN.tunnel]))
            let configuration = TunnelAgentConfiguration(proxyHost: proxy.host, proxyPort: proxy.port) { channel in
                try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: nil))
            }
            agents.append(TunnelAgent(
                configuration: configuration, group: group, router: RefuseStreams(),
                logger: Logger(label: "tether-bench.tunnels"), onEvent: { progress.record($0) }))
        }
        await withDiscardingTaskGroup { tasks in
            for agent in agents {
                tasks.addTask { await agent.run() }
            }
        }
    }

    /// Counts connections and says when all are up, and any drop after that.
    private final class Progress: Sendable {
        private let expected: Int
        private let connected = NIOLockedValueBox(0)

        init(expected: Int) { self.expected = expected }

        func record(_ event: TunnelAgentEvent) {
            switch event {
            case .connected:
                let now = connected.withLockedValue { count in
                    count += 1
                    return count
                }
                if now == expected { say("connected \(now)") }
            case .disconnected(let reason):
                connected.withLockedValue { $0 -= 1 }
                say("disconnected: \(reason)")
            case .connectFailed, .retrying:
                break
            }
        }

        private func say(_ line: String) {
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }
}

/// The agents only hold tunnels; a session routed to one is refused.
private struct RefuseStreams: ImmediateTunnelStreamRouter {
    func decide(_ request: TunnelStreamRequest) throws -> TunnelStreamService {
        throw TetherError(.unavailable, "tether-bench agents serve no sessions.")
    }
}
