/// The spec part of one kind of resource.
public protocol ResourceSpec: Codable, Hashable, Sendable {
    static var kind: ResourceKind { get }
}

/// A typed resource: `kind` and `version` are implied by `Spec`, so a value
/// of `ResourceEnvelope<RoleSpec>` is always a role. Encodes as
/// `{kind, version, metadata, spec}`.
public struct ResourceEnvelope<Spec: ResourceSpec>: Codable, Hashable, Sendable {
    public var metadata: ResourceMetadata
    public var spec: Spec

    public init(metadata: ResourceMetadata, spec: Spec) {
        self.metadata = metadata
        self.spec = spec
    }

    public init(name: String, spec: Spec) {
        self.init(metadata: ResourceMetadata(name: name), spec: spec)
    }

    public var name: String { metadata.name }
    public var kind: ResourceKind { Spec.kind }

    enum CodingKeys: String, CodingKey {
        case kind, version, metadata, spec
    }

    public init(from decoder: any Decoder) throws {
        let kind = try ResourceHeader.decodeKind(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard kind == Spec.kind else {
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container,
                debugDescription: "expected kind \(Spec.kind) but found \(kind)."
            )
        }
        metadata = try container.decode(ResourceMetadata.self, forKey: .metadata)
        spec = try container.decode(Spec.self, forKey: .spec)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Spec.kind, forKey: .kind)
        try container.encode(ResourceKind.supportedVersions[0], forKey: .version)
        try container.encode(metadata, forKey: .metadata)
        try container.encode(spec, forKey: .spec)
    }
}

public typealias Role = ResourceEnvelope<RoleSpec>
public typealias User = ResourceEnvelope<UserSpec>
public typealias Token = ResourceEnvelope<TokenSpec>
public typealias TrustedCluster = ResourceEnvelope<TrustedClusterSpec>
public typealias RemoteCluster = ResourceEnvelope<RemoteClusterSpec>
/// Named `NodeResource` rather than `Node` so it never clashes with `Yams.Node`.
public typealias NodeResource = ResourceEnvelope<NodeSpec>
public typealias CertAuthority = ResourceEnvelope<CertAuthoritySpec>
public typealias Lock = ResourceEnvelope<LockSpec>
