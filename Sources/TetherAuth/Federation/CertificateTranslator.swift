import Crypto
import Foundation
import NIOConcurrencyHelpers
import TetherCore
import TetherIdentity
import TetherPolicy
import TetherStorage
import X509

/// The leaf's half of a root user's visit: verifies the root certificate
/// against the root CA stored with the trust, maps the root roles through
/// the trust's `role_map`, and issues a short-lived certificate of this
/// cluster for the same key. Leaf nodes and the leaf auth API then treat
/// the user like a local one; root certificates are never trusted here.
///
/// Translations are cached until they expire, keyed on what decides them:
/// the content the root CA signed (key, serial, identity, validity; not the
/// comment of a certificate line, which the user chooses freely) and the
/// role map, so an edited map takes effect on the next session. The cache
/// is bounded: a flood of distinct certificates evicts, it does not grow.
public final class CertificateTranslator: Sendable {
    private let cluster: String
    private let authority: ClusterAuthority
    private let resources: ClusterResources
    private let foreign: ForeignAuthorities
    private let audit: AuditTrail
    private let clock: any WallClock
    private let cache = NIOLockedValueBox<[CacheKey: Translation]>([:])
    private let cacheCapacity: Int

    private struct CacheKey: Hashable {
        var root: String
        /// SHA-256 of the bytes the root CA signed.
        var signedContent: [UInt8]
        var roleMap: [RoleMapEntry]

        init(root: String, signedContent: some DataProtocol, roleMap: [RoleMapEntry]) {
            self.root = root
            self.signedContent = Array(SHA256.hash(data: signedContent))
            self.roleMap = roleMap
        }
    }

    private struct Translation {
        var certificate: [UInt8]
        var expires: Date
    }

    /// Who a verified root certificate speaks for.
    private struct RootIdentity {
        var user: String
        var cluster: String
        var roles: [String]
        var traits: [String: [String]]
        var expires: Date
    }

    /// What the root user may be in this cluster.
    private struct Mapping {
        var roles: [String]
        var checker: AccessChecker
        var ttl: TimeSpan
    }

    init(
        cluster: String, authority: ClusterAuthority, resources: ClusterResources, foreign: ForeignAuthorities, audit: AuditTrail, clock: any WallClock,
        cacheCapacity: Int = defaultCacheCapacity
    ) {
        self.cluster = cluster
        self.cacheCapacity = cacheCapacity
        self.authority = authority
        self.resources = resources
        self.foreign = foreign
        self.audit = audit
        self.clock = clock
    }

    /// A root user's SSH certificate (authorized-keys line) → this cluster's.
    public func translateSSH(_ line: String, from root: String, clientAddress: String?) throws(TetherError) -> String {
        let trust = try enabledTrust(root, clientAddress: clientAddress)
        let certificate = try SSHCertificate(authorizedKeyLine: line)
        // Verified before the cache is asked: a hit must never stand in for a valid signature.
        let identity = try verifiedSSHIdentity(certificate, root: root, clientAddress: clientAddress)
        let key = CacheKey(root: root, signedContent: certificate.signedBytes, roleMap: trust.spec.roleMap)
        if let cached = cached(key) { return String(decoding: cached, as: UTF8.self) }

        let mapping = try map(identity, through: trust, clientAddress: clientAddress)
        let logins = mapping.checker.allowedLogins
        let issued = try authority.userCA.issueUserCertificate(
            for: certificate.publicKey,
            identity: TetherCertificateIdentity(
                user: identity.user, cluster: cluster, roles: mapping.roles, traits: identity.traits,
                originCluster: root, originRoles: identity.roles),
            principals: mapping.checker.certificatePrincipals,
            ttl: mapping.ttl, permissions: mapping.checker.certificatePermissions)
        try recordIssue("ssh", identity: identity, mapping: mapping, clientAddress: clientAddress) { event in
            event.fields["logins"] = .array(logins.map(JSONValue.string))
            event.fields["ssh_fingerprint"] = .string(certificate.publicKey.fingerprint)
        }
        let text = issued.authorizedKeyLine()
        store(key, Translation(certificate: Array(text.utf8), expires: Date(timeIntervalSince1970: TimeInterval(issued.validBefore))))
        return text
    }

    /// A root user's TLS client certificate (DER) → this cluster's (DER),
    /// so the leaf's auth API sees the user with the mapped roles. For a
    /// `listing` (the root walking its leaves for `tether config` or `ls`),
    /// a trust or role map that grants nothing is refused without an audit
    /// record: the user attempted nothing here. Forged certificates are
    /// audited either way.
    public func translateTLS(_ der: [UInt8], from root: String, clientAddress: String?, listing: Bool = false) async throws(TetherError) -> [UInt8] {
        let trust = try enabledTrust(root, clientAddress: clientAddress, audited: !listing)
        let certificate: Certificate
        do {
            certificate = try Certificate(derEncoded: der)
        } catch {
            throw TetherError(.malformed, "the root user's TLS certificate cannot be read: \(error).")
        }
        let identity = try await verifiedTLSIdentity(certificate, root: root, clientAddress: clientAddress)
        let key = CacheKey(root: root, signedContent: certificate.tbsCertificateBytes, roleMap: trust.spec.roleMap)
        if let cached = cached(key) { return cached }

        guard let publicKey = P256.Signing.PublicKey(certificate.publicKey) else {
            throw TetherError(.invalidArgument, "the root user's TLS key is not ECDSA P-256.")
        }
        let mapping = try map(identity, through: trust, clientAddress: clientAddress, audited: !listing)
        let issued = try authority.tlsCA.issueClientCertificate(
            user: identity.user, roles: mapping.roles, publicKey: publicKey, originCluster: root, ttl: mapping.ttl)
        try recordIssue("tls", identity: identity, mapping: mapping, clientAddress: clientAddress) { _ in }
        let encoded: [UInt8]
        do {
            encoded = try issued.serializeAsPEM().derBytes
        } catch {
            throw TetherError(.internal, "cannot encode a translated certificate: \(error).")
        }
        store(key, Translation(certificate: encoded, expires: issued.notValidAfter))
        return encoded
    }

    // MARK: steps

    private func enabledTrust(_ root: String, clientAddress: String?, audited: Bool = true) throws(TetherError) -> TrustedCluster {
        guard case .trustedCluster(let trust)? = try resources.get(.trustedCluster, root) else {
            if audited { try audit.refusal("a user of cluster \(root) was refused: \(cluster) does not trust \(root)", remoteAddress: clientAddress) }
            throw TetherError(.accessDenied, "cluster \(cluster) does not trust cluster \(root).")
        }
        guard trust.spec.enabled else {
            if audited { try audit.refusal("a user of cluster \(root) was refused: the trust in \(root) is disabled", remoteAddress: clientAddress) }
            throw TetherError(.accessDenied, "cluster \(cluster) has disabled its trust in \(root); ask its administrators.")
        }
        return trust
    }

    private func verifiedSSHIdentity(_ certificate: SSHCertificate, root: String, clientAddress: String?) throws(TetherError) -> RootIdentity {
        do throws(TetherError) {
            try SSHCertificateVerifier.federatedUser(trustedCAs: try foreign.sshUserCAs(ofRoot: root), clock: clock).verify(certificate)
            let identity = try TetherCertificateIdentity(certificate: certificate)
            guard identity.cluster == root, identity.originCluster == nil else {
                throw TetherError(.accessDenied, "the certificate was issued to a user of \(identity.cluster), not of \(root).")
            }
            return RootIdentity(user: identity.user, cluster: root, roles: identity.roles, traits: identity.traits,
                                expires: Date(timeIntervalSince1970: TimeInterval(certificate.validBefore)))
        } catch {
            try audit.refusal("certificate of cluster \(root) refused: \(error.message)", remoteAddress: clientAddress)
            throw error
        }
    }

    private func verifiedTLSIdentity(_ certificate: Certificate, root: String, clientAddress: String?) async throws(TetherError) -> RootIdentity {
        do throws(TetherError) {
            let identity = try await TLSCertificateVerifier(trustedCAs: try foreign.tlsCAs(of: root, .root), clock: clock).verify(certificate, for: .client)
            guard identity.kind == .user, identity.cluster == root, identity.originCluster == nil else {
                throw TetherError(.accessDenied, "\(identity) is not a user of cluster \(root).")
            }
            return RootIdentity(user: identity.name, cluster: root, roles: identity.roles, traits: [:], expires: certificate.notValidAfter)
        } catch {
            try audit.refusal("certificate of cluster \(root) refused: \(error.message)", remoteAddress: clientAddress)
            throw error
        }
    }

    /// Root roles → local roles; none mapped means no access at all.
    private func map(_ identity: RootIdentity, through trust: TrustedCluster, clientAddress: String?, audited: Bool = true) throws(TetherError) -> Mapping {
        let roles = try RoleMap(trust.spec.roleMap).map(remoteRoles: identity.roles)
        guard !roles.isEmpty else {
            let held = identity.roles.isEmpty ? "no roles" : "roles " + identity.roles.joined(separator: ", ")
            let reason = "\(identity.user) of cluster \(identity.cluster) (\(held)) maps to no role in cluster \(cluster)"
            if audited {
                try audit.refusal(reason, user: identity.user, remoteAddress: clientAddress) { event in
                    event.originCluster = identity.cluster
                    event.originRoles = identity.roles
                }
            }
            throw TetherError(.accessDenied, reason + "; ask the administrators of \(cluster) to map one of your roles in its trusted_cluster role_map.")
        }
        let checker = try resources.accessChecker(user: identity.user, roleNames: roles, traits: identity.traits, clock: clock)
        // In whole seconds, as certificates count; compared as Double first,
        // since a root certificate may say "forever".
        let secondsLeft = identity.expires.timeIntervalSince1970.rounded(.down) - clock.now().timeIntervalSince1970.rounded(.down)
        let remaining = min(secondsLeft, TimeInterval(checker.maxSessionTTL.seconds))
        guard remaining >= 1 else {
            throw TetherError(.expired, "the certificate of \(identity.user) has expired; run tether login again.")
        }
        return Mapping(roles: roles, checker: checker, ttl: TimeSpan(seconds: Int64(remaining)))
    }

    private func recordIssue(_ type: String, identity: RootIdentity, mapping: Mapping, clientAddress: String?, _ describe: (inout AuditEvent) -> Void) throws(TetherError) {
        try audit.record(AuthEvent.certCreate) { event in
            event.user = identity.user
            event.roles = mapping.roles
            event.originCluster = identity.cluster
            event.originRoles = identity.roles
            event.remoteAddr = clientAddress
            event.fields["cert_type"] = .string("federated_\(type)")
            event.fields["ttl"] = .string(mapping.ttl.description)
            describe(&event)
        }
    }

    // MARK: cache

    private func cached(_ key: CacheKey) -> [UInt8]? {
        let now = clock.now()
        return cache.withLockedValue { entries in
            guard let entry = entries[key], entry.expires > now.addingTimeInterval(Self.minimumRemainingLife) else { return nil }
            return entry.certificate
        }
    }

    private func store(_ key: CacheKey, _ translation: Translation) {
        let now = clock.now()
        cache.withLockedValue { entries in
            entries = entries.filter { $0.value.expires > now }
            if entries.count >= cacheCapacity, let soonest = entries.min(by: { $0.value.expires < $1.value.expires }) {
                entries[soonest.key] = nil
            }
            entries[key] = translation
        }
    }

    /// Live translations kept by default: far more root users than visit
    /// one leaf within a certificate's life.
    static let defaultCacheCapacity = 4096

    /// How many translations are cached now.
    var cachedCount: Int { cache.withLockedValue { $0.count } }

    /// A cached certificate this close to expiry is re-issued rather than handed out.
    private static let minimumRemainingLife: TimeInterval = 30
}
