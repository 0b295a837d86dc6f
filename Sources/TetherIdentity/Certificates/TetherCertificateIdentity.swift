import Foundation
import TetherCore

/// Who a Tether user certificate speaks for, carried in certificate
/// extensions so that any Tether service can read it back offline.
public struct TetherCertificateIdentity: Hashable, Sendable {
    public var user: String
    /// The cluster that issued the certificate.
    public var cluster: String
    public var roles: [String]
    /// Trait name → values (e.g. `logins: [root, deploy]`), for role templates.
    public var traits: [String: [String]]
    /// For a federated user: the cluster the user logged in to first.
    public var originCluster: String?
    /// For a federated user: the roles held in `originCluster`.
    public var originRoles: [String]

    /// Extension names. The `@tether` suffix keeps them out of OpenSSH's namespace.
    public enum ExtensionName {
        public static let user = "tether-user@tether"
        public static let cluster = "tether-cluster@tether"
        public static let roles = "tether-roles@tether"
        public static let traits = "tether-traits@tether"
        public static let originCluster = "tether-origin-cluster@tether"
        public static let originRoles = "tether-origin-roles@tether"
    }

    public init(
        user: String,
        cluster: String,
        roles: [String],
        traits: [String: [String]] = [:],
        originCluster: String? = nil,
        originRoles: [String] = []
    ) {
        self.user = user
        self.cluster = cluster
        self.roles = roles
        self.traits = traits
        self.originCluster = originCluster
        self.originRoles = originRoles
    }

    /// The identity as certificate extensions (JSON for lists and maps, keys sorted).
    public var extensions: [String: String] {
        var result = [
            ExtensionName.user: user,
            ExtensionName.cluster: cluster,
            ExtensionName.roles: Self.json(roles),
            ExtensionName.traits: Self.json(traits),
        ]
        if let originCluster {
            result[ExtensionName.originCluster] = originCluster
            result[ExtensionName.originRoles] = Self.json(originRoles)
        }
        return result
    }

    /// Reads the identity back from certificate extensions.
    public init(extensions: [String: String]) throws(TetherError) {
        guard let user = extensions[ExtensionName.user], !user.isEmpty,
              let cluster = extensions[ExtensionName.cluster], !cluster.isEmpty
        else {
            throw TetherError(.malformed, "certificate carries no Tether identity (\(ExtensionName.user), \(ExtensionName.cluster)); it was not issued by a Tether cluster.")
        }
        self.user = user
        self.cluster = cluster
        self.roles = try Self.decode([String].self, extensions[ExtensionName.roles], name: ExtensionName.roles) ?? []
        self.traits = try Self.decode([String: [String]].self, extensions[ExtensionName.traits], name: ExtensionName.traits) ?? [:]
        self.originCluster = extensions[ExtensionName.originCluster]
        self.originRoles = try Self.decode([String].self, extensions[ExtensionName.originRoles], name: ExtensionName.originRoles) ?? []
    }

    /// Reads the identity from a (verified!) certificate.
    public init(certificate: SSHCertificate) throws(TetherError) {
        try self.init(extensions: certificate.extensions)
    }

    private static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Arrays and dictionaries of strings always encode.
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ text: String?, name: String) throws(TetherError) -> T? {
        guard let text else { return nil }
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw TetherError(.malformed, "certificate extension \(name) is not valid JSON of the expected shape: \(text)")
        }
    }
}
