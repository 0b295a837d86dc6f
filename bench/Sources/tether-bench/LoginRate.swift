import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import TetherAPI
import TetherCore
import TetherIdentity
import TetherTransport

/// `tether-bench logins PROXY_HOST:PORT USER COUNT CONCURRENCY`: COUNT
/// password logins (`POST /v1/login` through the proxy to auth), CONCURRENCY
/// at a time, each with fresh keys as `tether login` makes them. Measures
/// the server's login path without a client process per login. The cluster's
/// CA is trusted on first use: this talks to a cluster the suite just made
/// on 127.0.0.1.
enum LoginRate {
    static func run(proxy: HostPort, user: String, password: String, count: Int, concurrency: Int) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = ServerEndpoint(proxy.description, role: "the proxy", setting: "PROXY_HOST:PORT")
        let cluster = try await ClusterPinning.discover(server, expecting: .insecure, eventLoopGroup: group)
        let client = APIClient(
            server: server, tls: try TLSSettings.client(credentials: nil, trustedCAPEMs: [cluster.tlsCA]),
            expecting: .proxy(of: cluster.cluster), eventLoopGroup: group)
        let remaining = NIOLockedValueBox(count)
        let start = ContinuousClock.now
        do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for _ in 0..<concurrency {
                    tasks.addTask {
                        while remaining.withLockedValue({ left in defer { left -= 1 }; return left > 0 }) {
                            try await logIn(client: client, user: user, password: password)
                        }
                    }
                }
                try await tasks.waitForAll()
            }
        } catch {
            await client.shutdown()
            throw error
        }
        let seconds = (ContinuousClock.now - start).seconds
        await client.shutdown()
        print(String(format: "%d logins in %.3f s (%d at a time): %.1f logins/s", count, seconds, concurrency, Double(count) / seconds))
    }

    private static func logIn(client: APIClient, user: String, password: String) async throws {
        let request = LoginRequest(
            user: user, password: password, otp: nil,
            sshPublicKey: SSHPrivateKey.generate(.ed25519).publicKey.authorizedKeyLine(),
            tlsPublicKey: P256.Signing.PrivateKey().publicKey.pemRepresentation,
            ttlSeconds: nil)
        let _: LoginResponse = try await client.post(APIPath.login, body: request)
    }
}
