import Foundation
import SwiftASN1
import TetherCore
import X509

/// Who a Tether TLS certificate speaks for. Encoded in the certificate as
/// CN = name, O = cluster, one OU per role, and a URI SAN
/// `tether://<cluster>/<user|host>/<name>` that states the kind; a user of
/// a trusted root, re-issued by a leaf, has `?origin=<root>` added.
public struct TLSIdentity: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        case user
        case host
    }

    public var kind: Kind
    /// The user name or host ID.
    public var name: String
    public var cluster: String
    public var roles: [String]
    /// For a user of a trusted root cluster: that cluster. Alice of the root
    /// and a local alice are different people to the leaf.
    public var originCluster: String?

    public init(kind: Kind, name: String, cluster: String, roles: [String] = [], originCluster: String? = nil) {
        self.kind = kind
        self.name = name
        self.cluster = cluster
        self.roles = roles
        self.originCluster = originCluster
    }

    public var description: String {
        "\(kind) \(name)@\(cluster)" + (originCluster.map { " (from cluster \($0))" } ?? "")
    }

    static let uriScheme = "tether://"
    private static let originQuery = "?origin="

    /// `tether://<cluster>/<kind>/<name>[?origin=<root>]`, each part percent-encoded.
    public var uri: String {
        Self.uriScheme + [cluster, kind.rawValue, name].map(Self.percentEncoded).joined(separator: "/")
            + (originCluster.map { Self.originQuery + Self.percentEncoded($0) } ?? "")
    }

    /// Reads the identity back from a certificate Tether issued. The
    /// subject and the URI SAN must agree.
    public init(certificate: Certificate) throws(TetherError) {
        let subject = certificate.subject
        let names = Self.attributes(of: .RDNAttributeType.commonName, in: subject)
        let organizations = Self.attributes(of: .RDNAttributeType.organizationName, in: subject)
        guard names.count == 1, organizations.count == 1 else {
            throw TetherError(.malformed, "TLS certificate subject \(subject) must hold exactly one CN (the name) and one O (the cluster).")
        }
        let sans = (try? certificate.extensions.subjectAlternativeNames) ?? nil
        let uris = (sans ?? SubjectAlternativeNames()).compactMap { name -> String? in
            if case .uniformResourceIdentifier(let uri) = name, uri.hasPrefix(Self.uriScheme) { return uri }
            return nil
        }
        guard uris.count == 1, let parsed = Self.parse(uri: uris[0]) else {
            throw TetherError(.malformed, "TLS certificate for \(subject) carries no single \(Self.uriScheme)<cluster>/<user|host>/<name> URI; it was not issued by Tether.")
        }
        guard parsed.name == names[0], parsed.cluster == organizations[0] else {
            throw TetherError(.malformed, "TLS certificate subject \(subject) disagrees with its URI \(uris[0]).")
        }
        self = parsed
        self.roles = Self.attributes(of: .RDNAttributeType.organizationalUnitName, in: subject)
    }

    /// CN = name, O = cluster, OU = each role.
    func distinguishedName() throws -> DistinguishedName {
        try DistinguishedName {
            CommonName(name)
            OrganizationName(cluster)
            for role in roles { OrganizationalUnitName(role) }
        }
    }

    private static func attributes(of type: ASN1ObjectIdentifier, in name: DistinguishedName) -> [String] {
        name.flatMap { $0 }.filter { $0.type == type }.compactMap { String($0.value) }
    }

    private static func parse(uri: String) -> TLSIdentity? {
        var path = uri.dropFirst(uriScheme.count)
        var originCluster: String?
        if let query = path.range(of: originQuery) {
            guard let origin = path[query.upperBound...].removingPercentEncoding, !origin.isEmpty else { return nil }
            originCluster = origin
            path = path[..<query.lowerBound]
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let cluster = parts[0].removingPercentEncoding, !cluster.isEmpty,
              let kind = Kind(rawValue: String(parts[1])),
              let name = parts[2].removingPercentEncoding, !name.isEmpty,
              originCluster == nil || kind == .user
        else { return nil }
        return TLSIdentity(kind: kind, name: name, cluster: cluster, originCluster: originCluster)
    }

    private static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    private static func percentEncoded(_ part: String) -> String {
        part.addingPercentEncoding(withAllowedCharacters: unreserved) ?? part
    }
}
