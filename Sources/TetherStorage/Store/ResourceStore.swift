import Foundation
import TetherCore

/// A stored resource: the storage layer knows only its kind, name and JSON.
public struct StoredResource: Sendable, Hashable {
    public var kind: String
    public var name: String
    /// The resource's JSON text as given to `put`.
    public var json: Data
    /// After this instant the resource is treated as absent.
    public var expires: Date?

    public init(kind: String, name: String, json: Data, expires: Date? = nil) {
        self.kind = kind
        self.name = name
        self.json = json
        self.expires = expires
    }
}

/// How `put` treats an existing resource of the same kind and name.
public enum PutMode: Sendable, Hashable {
    /// Fail with `.alreadyExists` if a live resource exists.
    case createOnly
    /// Overwrite it (or create it).
    case replace
}

/// Resources (roles, users, tokens, trusted clusters, locks...) keyed by kind
/// and name. Expired resources are invisible: `get` and `list` skip them and
/// `put(.createOnly)` may reuse their name.
public protocol ResourceStore: Sendable {
    /// Stores `json` (which must be valid UTF-8 JSON) under kind/name.
    func put(kind: String, name: String, json: Data, expires: Date?, mode: PutMode) throws(TetherError)
    /// The live resource, or nil if there is none.
    func get(kind: String, name: String) throws(TetherError) -> StoredResource?
    /// Every live resource of `kind`, sorted by name.
    func list(kind: String) throws(TetherError) -> [StoredResource]
    /// The live node resource whose certificates name `hostID`: looked up
    /// on every heartbeat, policy watch and audit upload, so it is indexed
    /// rather than found by decoding every node.
    func node(hostID: String) throws(TetherError) -> StoredResource?
    /// Removes a live resource; `.notFound` if there is none.
    func delete(kind: String, name: String) throws(TetherError)
}

extension ResourceStore {
    public func put(kind: String, name: String, json: Data, mode: PutMode) throws(TetherError) {
        try put(kind: kind, name: name, json: json, expires: nil, mode: mode)
    }
}
