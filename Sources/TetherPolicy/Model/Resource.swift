/// Any resource, as read from a file or from storage.
public enum Resource: Hashable, Sendable {
    case role(Role)
    case user(User)
    case token(Token)
    case trustedCluster(TrustedCluster)
    case remoteCluster(RemoteCluster)
    case node(NodeResource)
    case certAuthority(CertAuthority)
    case lock(Lock)

    public var kind: ResourceKind {
        switch self {
        case .role: .role
        case .user: .user
        case .token: .token
        case .trustedCluster: .trustedCluster
        case .remoteCluster: .remoteCluster
        case .node: .node
        case .certAuthority: .certAuthority
        case .lock: .lock
        }
    }

    public var metadata: ResourceMetadata { payload.metadata }

    /// The typed resource inside, for what all kinds share.
    var payload: any TypedResource {
        switch self {
        case .role(let resource): resource
        case .user(let resource): resource
        case .token(let resource): resource
        case .trustedCluster(let resource): resource
        case .remoteCluster(let resource): resource
        case .node(let resource): resource
        case .certAuthority(let resource): resource
        case .lock(let resource): resource
        }
    }

    public var name: String { metadata.name }
}

extension Resource: Codable {
    public init(from decoder: any Decoder) throws {
        switch try ResourceHeader.decodeKind(from: decoder) {
        case .role: self = .role(try Role(from: decoder))
        case .user: self = .user(try User(from: decoder))
        case .token: self = .token(try Token(from: decoder))
        case .trustedCluster: self = .trustedCluster(try TrustedCluster(from: decoder))
        case .remoteCluster: self = .remoteCluster(try RemoteCluster(from: decoder))
        case .node: self = .node(try NodeResource(from: decoder))
        case .certAuthority: self = .certAuthority(try CertAuthority(from: decoder))
        case .lock: self = .lock(try Lock(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        try payload.encode(to: encoder)
    }
}

/// What `Resource` needs from every `ResourceEnvelope`, whatever its spec.
protocol TypedResource: Encodable {
    var metadata: ResourceMetadata { get }
    func validate() throws(FieldError)
}

extension ResourceEnvelope: TypedResource where Spec: ValidatableSpec {}
