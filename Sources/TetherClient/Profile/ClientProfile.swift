import Foundation
import TetherAPI
import TetherCore
import TetherTransport

/// What `tether login` learned and `profile.json` keeps: where the cluster
/// is, who the user is there, and the CAs that every later connection is
/// verified against.
public struct ClientProfile: Codable, Sendable, Equatable {
    /// host:port of the proxy the user logged in through.
    public var proxyAddress: String
    public var cluster: String
    public var user: String
    public var roles: [String]
    public var logins: [String]
    /// Unix seconds when the certificates expire.
    public var expires: Int64
    public var clusterInfo: ClusterInfo

    public init(proxyAddress: String, cluster: String, user: String, roles: [String], logins: [String], expires: Int64, clusterInfo: ClusterInfo) {
        self.proxyAddress = proxyAddress
        self.cluster = cluster
        self.user = user
        self.roles = roles
        self.logins = logins
        self.expires = expires
        self.clusterInfo = clusterInfo
    }

    public var expiryDate: Date { Date(timeIntervalSince1970: TimeInterval(expires)) }

    public func isExpired(at now: Date) -> Bool { now >= expiryDate }

    /// Throws the sentence a user needs when the certificates have run out.
    public func requireUnexpired(at now: Date) throws(TetherError) {
        guard isExpired(at: now) else { return }
        throw TetherError(.expired, "your certificate expired at \(TimeText.format(expiryDate)); log in again with \(loginCommand).")
    }

    /// The command that logs this user in again.
    public var loginCommand: String { "tether login --proxy \(proxyAddress) --user \(user)" }

    /// The proxy every command after the login talks to.
    var proxy: ServerEndpoint {
        ServerEndpoint(proxyAddress, role: "the proxy", setting: "the --proxy you logged in with",
                       tlsAdvice: "if the cluster's CA changed, log in again with \(loginCommand).")
    }

    enum CodingKeys: String, CodingKey {
        case cluster, user, roles, logins, expires
        case proxyAddress = "proxy_address"
        case clusterInfo = "cluster_info"
    }
}
