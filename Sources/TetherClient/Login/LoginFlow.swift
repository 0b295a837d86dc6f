import Crypto
import Foundation
import NIOCore
import TetherAPI
import TetherCore
import TetherIdentity
import TetherTransport

/// What the user typed for `tether login`.
public struct LoginOptions: Sendable {
    public var proxy: HostPort
    public var user: String
    public var password: String
    public var otp: String?
    public var ttl: TimeSpan?
    public var trust: LoginTrust

    public init(proxy: HostPort, user: String, password: String, otp: String?, ttl: TimeSpan?, trust: LoginTrust) {
        self.proxy = proxy
        self.user = user
        self.password = password
        self.otp = otp
        self.ttl = ttl
        self.trust = trust
    }
}

/// `tether login`: learn (and pin) the cluster CA, check the address is the
/// cluster's proxy, generate fresh keys, trade the password for certificates
/// bound to them, save the profile.
public enum LoginFlow {
    public static func logIn(_ options: LoginOptions, store: ProfileStore, eventLoopGroup: any EventLoopGroup) async throws(TetherError) -> ClientIdentity {
        let address = options.proxy.description
        let proxy = ServerEndpoint(address, role: "the proxy", setting: "--proxy")
        let clusterInfo: ClusterInfo = switch options.trust {
        case .pin(let pin): try await ClusterPinning.discover(proxy, expecting: .pin(pin), eventLoopGroup: eventLoopGroup)
        case .insecure: try await ClusterPinning.discover(proxy, expecting: .insecure, eventLoopGroup: eventLoopGroup)
        case .known(let info): info
        }
        // The login's own connection is checked too; this handshake first
        // answers a wrong address at once, before any password is sent.
        let expected = expectedProxy(of: clusterInfo, at: address)
        _ = try await ServerIdentityProbe.identity(of: expected, at: proxy, trustedCAPEMs: [clusterInfo.tlsCA], eventLoopGroup: eventLoopGroup)
        let sshKey = SSHPrivateKey.generate(.ed25519)
        let tlsKey = P256.Signing.PrivateKey()
        let request = LoginRequest(
            user: options.user,
            password: options.password,
            otp: options.otp,
            sshPublicKey: sshKey.publicKey.authorizedKeyLine(),
            tlsPublicKey: tlsKey.publicKey.pemRepresentation,
            ttlSeconds: options.ttl?.seconds
        )
        let response = try await ClusterAPI.withClient(
            server: proxy,
            tls: try TLSSettings.client(credentials: nil, trustedCAPEMs: [clusterInfo.tlsCA]),
            expecting: expected,
            eventLoopGroup: eventLoopGroup
        ) { (client: APIClient) async throws(TetherError) -> LoginResponse in
            try await client.post(APIPath.login, body: request)
        }
        try check(response, sshKey: sshKey, learnedCA: clusterInfo, address: address)
        let identity = ClientIdentity(
            profile: ClientProfile(
                proxyAddress: address,
                cluster: response.cluster,
                user: response.user,
                roles: response.roles,
                logins: response.logins,
                expires: response.expires,
                clusterInfo: clusterInfo
            ),
            sshKey: sshKey,
            sshCertificate: response.sshCertificate.trimmingCharacters(in: .whitespacesAndNewlines),
            tlsKey: tlsKey,
            tlsCertificate: response.tlsCertificate
        )
        try store.save(identity)
        return identity
    }

    /// The pinned cluster's proxy. The auth service's internal port answers
    /// a login too, and a stolen node's certificate chains to the same CA:
    /// neither gets the password; the refusal names the proxy's address.
    static func expectedProxy(of clusterInfo: ClusterInfo, at address: String) -> ExpectedServer {
        var expected = ExpectedServer.proxy(of: clusterInfo.cluster)
        if let proxy = clusterInfo.proxyPublicAddress, proxy != address {
            expected.advice = "log in through the proxy instead: tether login --proxy \(proxy)."
        } else {
            expected.advice = "log in through the proxy's address (proxy.public_addr, else proxy.listen, in the cluster's tetherd configuration)."
        }
        return expected
    }

    /// The answer must certify the key just generated and come from the
    /// cluster whose CA was pinned, or the profile would be useless.
    private static func check(_ response: LoginResponse, sshKey: SSHPrivateKey, learnedCA: ClusterInfo, address: String) throws(TetherError) {
        let certificate = try SSHCertificate(authorizedKeyLine: response.sshCertificate.trimmingCharacters(in: .whitespacesAndNewlines))
        guard certificate.publicKey == sshKey.publicKey else {
            throw TetherError(.verificationFailed, "\(address) returned an SSH certificate for a different key; the cluster is misbehaving, report it to its administrator.")
        }
        guard response.clusterInfo.cluster == learnedCA.cluster, response.cluster == learnedCA.cluster else {
            throw TetherError(.verificationFailed, "\(address) answered for cluster \(response.cluster), not the pinned \(learnedCA.cluster); check the proxy address.")
        }
    }
}
