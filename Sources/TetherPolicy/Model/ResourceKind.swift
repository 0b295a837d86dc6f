/// The kinds of resource Tether stores and exchanges as YAML or JSON.
public enum ResourceKind: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
    case role
    case user
    case token
    case trustedCluster = "trusted_cluster"
    case remoteCluster = "remote_cluster"
    case node
    case certAuthority = "cert_authority"
    case lock

    /// The plural `tetherctl get` takes (`roles`, `trusted_clusters`, `cas`...).
    public var plural: String {
        switch self {
        case .certAuthority: "cas"
        default: rawValue + "s"
        }
    }

    /// Accepts the kind as written in a resource (`trusted_cluster`) or its plural (`trusted_clusters`).
    public init?(argument: String) {
        guard let kind = Self.allCases.first(where: { $0.rawValue == argument || $0.plural == argument }) else {
            return nil
        }
        self = kind
    }

    public var description: String { rawValue }

    /// The schema versions this build reads and writes.
    public static let supportedVersions = ["v1"]
}
