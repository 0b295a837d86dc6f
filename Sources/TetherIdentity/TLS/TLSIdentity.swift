import Foundation
import SwiftASN1
import TetherCore
import X509

/// Who a Tether TLS certificate speaks for. Encoded in the certificate as
/// CN = name, O = cluster, one OU per role, and a URI SAN
/// `tether://<cluster>/<user|host>/<name>` that states the kind.
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

    public init(kind: Kind, name: String, cluster: String, roles: [String] = []) {
        self.kind = kind
        self.name = name
        self.cluster = cluster
        self.roles = roles
    }

    public var description: String { "\(kind) \(name)@\(cluster)" }

    static let uriScheme = "tether://"

    /// `tether://<cluster>/<kind>/<name>`, each part percent-encoded.
    public var uri: String {
        Self.uriScheme + [cluster, kind.rawValue, name].map(Self.percentEncoded).joined(separator: "/")
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
        let parts = uri.dropFirst(uriScheme.count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let cluster = parts[0].removingPercentEncoding, !cluster.isEmpty,
              let kind = Kind(rawValue: String(parts[1])),
              let name = parts[2].removingPercentEncoding, !name.isEmpty
        else { return nil }
        return TLSIdentity(kind: kind, name: name, cluster: cluster)
    }

    private static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    private static func percentEncoded(_ part: String) -> String {
        part.addingPercentEncoding(withAllowedCharacters: unreserved) ?? part
    }
}
