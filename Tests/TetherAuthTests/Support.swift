import Crypto
import Foundation
import NIOPosix
import TetherAPI
import TetherAuth
import TetherCore
import TetherIdentity
import TetherPolicy

/// What these in-process tests hash passwords with: N = 2^10, below what
/// the configuration accepts and so reachable only through the API. These
/// tests run synchronously on the two cooperative threads every test
/// shares, and at 2^15 (TetherTestSupport's `TestPasswordCost`, which says
/// why tests do not use the default) their hashes held those threads for
/// about 40 s on a loaded machine. `CredentialTests` covers the default.
let testPasswordCost = PasswordHash.Parameters.scrypt(costExponent: 10)

/// Runs work that hashes at the default cost on NIO's thread pool, as the
/// auth service does: in the debug build one such hash takes seconds, and
/// on the cooperative pool (two threads here) it would stall every other
/// test for as long.
func offCooperativePool<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await NIOThreadPool.singleton.runIfActive(work)
}

/// A fresh directory under the system temp dir, removed when released.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("tether-auth-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}

/// A wall clock that tests move forward explicitly.
final class SteppingClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = Date()) { current = start }

    func now() -> Date { lock.withLock { current } }

    func advance(seconds: Double) {
        lock.withLock { current = current.addingTimeInterval(seconds) }
    }
}

/// An auth data directory with one role and one user with a password.
struct Fixture {
    static let cluster = "acme-dallas"
    static let password = "correct horse battery"

    let directory: TemporaryDirectory
    let clock: SteppingClock
    let core: AuthCore

    init(secondFactor: SecondFactor = .off, clock: SteppingClock = SteppingClock(),
         passwordCost: PasswordHash.Parameters = testPasswordCost) throws {
        directory = try TemporaryDirectory()
        self.clock = clock
        core = try AuthCore(cluster: Self.cluster, dataDirectory: directory.file("data"), secondFactor: secondFactor,
                            passwordCost: passwordCost, clock: clock)
    }

    /// Role `field-tech`: logins `diagnostics` and the user's own, nodes of customer acme, 1h max.
    func addFieldTech(user: String = "alice", logins: [String] = ["alice"]) throws {
        let role = Role(name: "field-tech", spec: RoleSpec(
            allow: RoleConditions(logins: ["diagnostics", "{{internal.logins}}"], nodeLabels: ["customer": ["acme"]]),
            options: RoleOptions(maxSessionTTL: .hours(1))))
        if try core.resources.get(.role, role.name) == nil {
            try core.admin.create([.role(role)], replace: false)
        }
        try core.users.add(user, roles: ["field-tech"], logins: logins)
        try core.users.setPassword(user, password: Self.password)
    }
}

/// Keys a client generates before logging in.
struct ClientKeys {
    let ssh = SSHPrivateKey.generate(.ed25519)
    let tls = P256.Signing.PrivateKey()

    func loginRequest(user: String = "alice", password: String = Fixture.password, otp: String? = nil, ttl: Int64? = nil) -> LoginRequest {
        LoginRequest(user: user, password: password, otp: otp, sshPublicKey: ssh.publicKey.authorizedKeyLine(),
                     tlsPublicKey: tls.publicKey.pemRepresentation, ttlSeconds: ttl)
    }

    /// `listen`: a direct node's address; nil joins a tunnel node.
    func joinRequest(
        token: String, node: String, addresses: [String] = ["127.0.0.1"], listen: String? = nil, signWith signer: SSHPrivateKey? = nil
    ) throws -> JoinRequest {
        let proof = try (signer ?? ssh).sign(JoinRequest.proofMessage(token: token, nodeName: node))
        return JoinRequest(token: token, nodeName: node, sshPublicKey: ssh.publicKey.authorizedKeyLine(),
                           tlsPublicKey: tls.publicKey.pemRepresentation, proof: Data(proof.wireBlob).base64EncodedString(),
                           addresses: addresses, listen: listen)
    }

    /// The heartbeat of a node that joined with these keys (a tunnel node unless `address`).
    func heartbeat(hostID: String, name: String, labels: Labels = [:], address: String? = nil, ttlSeconds: Int64 = 60) -> Heartbeat {
        Heartbeat(hostID: hostID, name: name, labels: labels, tunnel: address == nil, address: address,
                  sshHostKey: ssh.publicKey.authorizedKeyLine(), ttlSeconds: ttlSeconds)
    }
}
