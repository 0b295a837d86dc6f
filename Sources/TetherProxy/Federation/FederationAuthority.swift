import Foundation
import TetherAPI
import TetherCore

/// A leaf cluster that trusts this (root) cluster, as the root proxy needs it.
public struct LeafCluster: Sendable, Equatable {
    public var name: String
    /// PEM of the leaf's TLS CA: its proxy's tunnel certificate must chain to it.
    public var tlsCAPEMs: [String]
    public var lastSeen: Date?

    public init(name: String, tlsCAPEMs: [String], lastSeen: Date?) {
        self.name = name
        self.tlsCAPEMs = tlsCAPEMs
        self.lastSeen = lastSeen
    }
}

/// A root cluster this (leaf) cluster trusts: where its proxy is, whether
/// the trust is on, and the root CA its proxy must present.
public struct TrustedRoot: Sendable, Equatable {
    public var name: String
    public var proxyAddress: String
    public var enabled: Bool
    public var tlsCAPEMs: [String]

    public init(name: String, proxyAddress: String, enabled: Bool, tlsCAPEMs: [String]) {
        self.name = name
        self.proxyAddress = proxyAddress
        self.enabled = enabled
        self.tlsCAPEMs = tlsCAPEMs
    }
}

/// What the proxy asks of its auth service (beside it, in-process) about
/// trusted clusters. As a root: the leaves that trust it. As a leaf: the
/// roots it trusts, and certificates of root users re-issued for this cluster.
public protocol FederationAuthority: Sendable {
    func leafClusters() throws -> [LeafCluster]
    func trustedRoots() throws -> [TrustedRoot]
    /// A root user's SSH certificate line → this cluster's, or a refusal.
    func translateSSHCertificate(_ line: String, from root: String, clientAddress: String?) throws -> String
    /// A root user's TLS client certificate (DER) → this cluster's (DER), or
    /// a refusal, audited unless the request is a plain `listing`.
    func translateTLSCertificate(_ der: [UInt8], from root: String, clientAddress: String?, listing: Bool) async throws -> [UInt8]
    /// As a root: this cluster's locks on its own users, for every leaf.
    func lockSetForLeaves() throws -> RootLockSet
    /// Returns once this cluster's roles, users or locks may differ from
    /// `generation`, or after `limit`.
    func waitForPolicyChange(from generation: Int64, limit: Duration) async
    /// As a leaf: takes `root`'s whole lock set; returns how many locks
    /// this cluster now holds for it.
    func applyRootLocks(_ set: RootLockSet, from root: String) throws -> Int
}

/// A proxy with no trusted clusters either way.
public struct NoFederation: FederationAuthority {
    public init() {}
    public func leafClusters() throws -> [LeafCluster] { [] }
    public func trustedRoots() throws -> [TrustedRoot] { [] }
    public func translateSSHCertificate(_ line: String, from root: String, clientAddress: String?) throws -> String {
        throw TetherError(.accessDenied, "this cluster trusts no root cluster.")
    }
    public func translateTLSCertificate(_ der: [UInt8], from root: String, clientAddress: String?, listing: Bool) async throws -> [UInt8] {
        throw TetherError(.accessDenied, "this cluster trusts no root cluster.")
    }
    public func lockSetForLeaves() throws -> RootLockSet { RootLockSet(generation: 0, locks: []) }
    public func waitForPolicyChange(from generation: Int64, limit: Duration) async {
        try? await Task.sleep(for: limit)
    }
    public func applyRootLocks(_ set: RootLockSet, from root: String) throws -> Int {
        throw TetherError(.accessDenied, "this cluster trusts no root cluster.")
    }
}
