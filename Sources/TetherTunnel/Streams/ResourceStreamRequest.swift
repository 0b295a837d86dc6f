import TetherCore

/// A session stream to one resource, as every hop passes it on (proxy to
/// node, root to leaf to node, proxy to a direct node): which kind of
/// resource, which one, and who asks. SSH is the only kind today; another
/// kind (an app, a database) is a new `Kind` on the same tunnels, with the
/// same fields. Built only through `tunnelRequest`, read only through
/// `init(decoding:)`: the one place the metadata's names are spelled.
public struct ResourceStreamRequest: Sendable, Equatable {
    /// The kind of resource, which is also the stream's path (`/v1/ssh`).
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A node's SSH server.
        public static let ssh = Kind(rawValue: "ssh")
        static let all: [Kind] = [.ssh]

        public var path: String { "/v1/" + rawValue }
    }

    public var kind: Kind
    /// The resource's name in its cluster (a node's name for `.ssh`).
    public var resource: String
    /// The user's certificate for this kind (for `.ssh`, the authorized-keys
    /// line of their SSH certificate). Passed on unchecked: the serving end
    /// verifies it, and refuses a missing one with its own sentence.
    public var certificate: String?
    /// Where the user connects from, as the first proxy saw it.
    public var clientAddress: String?

    public init(kind: Kind, resource: String, certificate: String?, clientAddress: String?) {
        self.kind = kind
        self.resource = resource
        self.certificate = certificate
        self.clientAddress = clientAddress
    }

    private enum Key {
        static let resource = "resource"
        static let certificate = "certificate"
        static let clientAddress = "client-address"
    }

    /// The stream request carrying this, for `TunnelRegistry.openStream`.
    public var tunnelRequest: TunnelStreamRequest {
        var metadata = [Key.resource: resource]
        metadata[Key.certificate] = certificate
        metadata[Key.clientAddress] = clientAddress
        return TunnelStreamRequest(path: kind.path, metadata: metadata)
    }

    /// Reads a resource stream from a stream's request: the one parser of
    /// this metadata, which comes from another host and is not trusted.
    public init(decoding request: TunnelStreamRequest) throws(TetherError) {
        guard let kind = Kind.all.first(where: { $0.path == request.path }) else {
            throw TetherError(.notFound, "no resource is served at \(request.path).")
        }
        guard let resource = request.metadata[Key.resource], !resource.isEmpty else {
            throw TetherError(.invalidArgument, "the \(kind) stream request names no resource.")
        }
        self.init(kind: kind, resource: resource, certificate: request.metadata[Key.certificate], clientAddress: request.metadata[Key.clientAddress])
    }
}
