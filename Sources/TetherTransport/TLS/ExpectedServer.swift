import TetherAPI
import TetherCore
import TetherIdentity

/// Who a TLS client requires at the other end. Every certificate of a
/// cluster chains to its one CA, a stolen device's too, so the chain alone
/// proves nothing about the peer's role: after each handshake the client
/// checks the identity in the server's certificate against this, before it
/// sends a byte of its own.
public struct ExpectedServer: Sendable, Hashable, CustomStringConvertible {
    public enum Role: Sendable, Hashable {
        case proxy
        case auth
        /// A node the proxy dials: exactly this host ID, which the cluster
        /// assigned (never a name the node chose).
        case node(hostID: String)
    }

    public var cluster: String
    /// Any one of these will do (a node's API server may be the proxy or the auth service).
    public var roles: [Role]
    /// How to fix a mismatch, when this client knows better than "check the setting".
    public var advice: String?

    public init(cluster: String, roles: [Role], advice: String? = nil) {
        self.cluster = cluster
        self.roles = roles
        self.advice = advice
    }

    public static func proxy(of cluster: String) -> ExpectedServer { ExpectedServer(cluster: cluster, roles: [.proxy]) }
    public static func auth(of cluster: String) -> ExpectedServer { ExpectedServer(cluster: cluster, roles: [.auth]) }
    public static func proxyOrAuth(of cluster: String) -> ExpectedServer { ExpectedServer(cluster: cluster, roles: [.proxy, .auth]) }
    public static func node(_ hostID: String, of cluster: String) -> ExpectedServer { ExpectedServer(cluster: cluster, roles: [.node(hostID: hostID)]) }

    /// "proxy", "proxy or auth service", "node with host ID …".
    public var description: String {
        roles.map(\.name).joined(separator: " or ")
    }

    /// Throws unless `identity` (the verified certificate of the server at
    /// `server`) is one of the expected roles in the expected cluster.
    public func check(_ identity: TLSIdentity?, at server: ServerEndpoint) throws(TetherError) {
        let fix = advice ?? "is \(server.setting) right?"
        guard let identity else {
            throw TetherError(.verificationFailed, "\(server.address) presented no certificate, so it cannot be cluster \(cluster)'s \(self); \(fix)")
        }
        guard identity.cluster == cluster, identity.originCluster == nil else {
            throw TetherError(.verificationFailed, "\(server.address) presented a certificate of cluster \(identity.cluster), not of cluster \(cluster)'s \(self); \(fix)")
        }
        guard !roles.contains(where: { $0.matches(identity) }) else { return }
        throw TetherError(.verificationFailed, "\(server.address) is cluster \(cluster)'s \(Self.role(of: identity)) endpoint, not its \(self); \(fix)")
    }

    /// What a certificate says its holder is: "auth", "proxy", "node (host …)", "user alice".
    static func role(of identity: TLSIdentity) -> String {
        switch identity.kind {
        case .user: return "user \(identity.name)"
        case .host:
            let roles = identity.roles.isEmpty ? "host" : identity.roles.joined(separator: "/")
            return identity.roles.contains(ForwardedIdentity.nodeRole) ? "\(roles) (host \(identity.name))" : roles
        }
    }
}

extension ExpectedServer.Role {
    var name: String {
        switch self {
        case .proxy: "proxy"
        case .auth: "auth service"
        case .node(let hostID): "node with host ID \(hostID)"
        }
    }

    /// Roles are OUs only the cluster's CA puts in a certificate: a node's
    /// holds `node` alone, whatever the node asked for.
    func matches(_ identity: TLSIdentity) -> Bool {
        guard identity.kind == .host else { return false }
        switch self {
        case .proxy: return identity.roles.contains(ForwardedIdentity.proxyRole)
        case .auth: return identity.roles.contains(ForwardedIdentity.authRole)
        case .node(let hostID): return identity.roles.contains(ForwardedIdentity.nodeRole) && identity.name == hostID
        }
    }
}
