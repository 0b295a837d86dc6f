import Crypto
import Foundation
import TetherAPI
import TetherCore
import TetherIdentity
import TetherPolicy
import TetherStorage

/// Nodes joining the cluster with a token, proving they hold the keys they
/// want certified.
///
/// Host IDs: a node that joins under a name already known, with the SSH host
/// key already on record, keeps its host ID (it re-joined without losing its
/// identity); with any other key it is a new machine (or one that lost its
/// identity) and gets a new host ID, replacing the old record.
public struct JoinService: Sendable {
    let authority: ClusterAuthority
    let resources: ClusterResources
    let tokens: JoinTokens
    let audit: AuditTrail
    let clock: any WallClock
    let proxyPublicAddress: String?

    /// Lifetime of host certificates; nodes renew theirs (`renew/host`)
    /// once two thirds of it have passed.
    public static let hostCertificateTTL = TimeSpan(seconds: 90 * 86_400)

    public func join(_ request: JoinRequest, remoteAddress: String?) throws(TetherError) -> JoinResponse {
        let sshKey = try ClientPublicKeys.ssh(request.sshPublicKey)
        let tlsKey = try ClientPublicKeys.tls(request.tlsPublicKey)
        guard let proofBytes = Data(base64Encoded: request.proof),
              let proof = try? SSHSignature(wireBlob: Array(proofBytes)),
              sshKey.isValidSignature(proof, for: JoinRequest.proofMessage(token: request.token, nodeName: request.nodeName))
        else {
            let reason = "node \(request.nodeName) sent no valid proof of possession of its SSH host key"
            try audit.refusal(reason, remoteAddress: remoteAddress) { $0.node = request.nodeName }
            throw TetherError(.verificationFailed, reason + "; sign the join message with the host key.")
        }
        let token: Token
        do {
            token = try tokens.redeem(request.token, as: .node)
        } catch {
            try audit.refusal("invalid join token", remoteAddress: remoteAddress) { $0.node = request.nodeName }
            throw error
        }

        // Labels come with the first heartbeat; until then the token's stand in.
        let previous = try resources.node(request.nodeName)
        let hostID = previous.flatMap { $0.spec.sshHostKey == request.sshPublicKey ? $0.spec.hostID : nil } ?? UUID().uuidString.lowercased()
        let node = NodeResource(
            metadata: ResourceMetadata(name: request.nodeName, labels: token.spec.labels),
            spec: NodeSpec(hostname: request.nodeName, hostID: hostID, sshHostKey: request.sshPublicKey)
        )
        try resources.put(.node(node), mode: .replace)

        let certificates = try certify(node: request.nodeName, hostID: hostID, sshKey: sshKey, tlsKey: tlsKey, serves: !request.addresses.isEmpty)

        try audit.record(AuthEvent.nodeJoin) { event in
            event.node = request.nodeName
            event.nodeLabels = node.metadata.labels
            event.remoteAddr = remoteAddress
            event.fields["host_id"] = .string(hostID)
            event.fields["token"] = .string(token.name)
        }
        try audit.record(AuthEvent.certCreate) { event in
            event.node = request.nodeName
            event.remoteAddr = remoteAddress
            event.fields["cert_type"] = .string("host")
            event.fields["host_id"] = .string(hostID)
        }
        return JoinResponse(
            hostID: hostID, sshHostCertificate: certificates.ssh, tlsCertificate: certificates.tls, tokenLabels: token.spec.labels,
            clusterInfo: authority.clusterInfo(proxyPublicAddress: proxyPublicAddress)
        )
    }
}

extension JoinService {
    /// New certificates for a joined node, asked for with its current host
    /// certificate (`hostID` is the name in it): refused once the node was
    /// removed (`tetherctl rm node/NAME`: it must join again) or while it is
    /// locked.
    public func renew(_ request: HostRenewalRequest, hostID: String, remoteAddress: String?) throws(TetherError) -> HostRenewalResponse {
        guard let node = try resources.node(hostID: hostID) else {
            let reason = "host \(hostID) asked to renew its certificates but is no node of this cluster"
            try audit.refusal(reason, remoteAddress: remoteAddress) { $0.fields["host_id"] = .string(hostID) }
            throw TetherError(.accessDenied, reason + " (removed?); join it again with a new token.")
        }
        if let lock = try resources.activeLock(on: .node(node.name), at: clock.now()) {
            let reason = "node \(node.name) is locked\(lock.spec.message.map { ": \($0)" } ?? "")"
            try audit.refusal(reason, remoteAddress: remoteAddress) { $0.node = node.name }
            throw TetherError(.accessDenied, reason + "; its certificates are not renewed until the lock is removed.")
        }
        guard let sshHostKey = node.spec.sshHostKey else {
            throw TetherError(.notFound, "node \(node.name) has no SSH host key on record; join it again with a new token.")
        }
        let sshKey = try ClientPublicKeys.ssh(sshHostKey)
        let tlsKey = try ClientPublicKeys.tls(request.tlsPublicKey)
        // What the node is on record as, not what it asks for now: a tunnel node's renewal never gains serverAuth.
        let certificates = try certify(node: node.name, hostID: hostID, sshKey: sshKey, tlsKey: tlsKey, serves: !node.spec.tunnel)
        try audit.record(AuthEvent.certCreate) { event in
            event.node = node.name
            event.remoteAddr = remoteAddress
            event.fields["cert_type"] = .string("host_renewal")
            event.fields["host_id"] = .string(hostID)
        }
        return HostRenewalResponse(sshHostCertificate: certificates.ssh, tlsCertificate: certificates.tls)
    }

    /// The SSH host certificate (authorized-keys line) and TLS certificate
    /// (PEM) of a node, for `hostCertificateTTL`. The TLS certificate names
    /// the node by its host ID alone (role `node`, no DNS or IP names of its
    /// choosing) and `serves` TLS only for a direct node, which the proxy
    /// dials and checks by host ID; a tunnel node's certificate cannot pose
    /// as any server.
    private func certify(
        node: String, hostID: String, sshKey: SSHPublicKey, tlsKey: P256.Signing.PublicKey, serves: Bool
    ) throws(TetherError) -> (ssh: String, tls: String) {
        let hostCertificate = try authority.hostCA.issueHostCertificate(
            for: sshKey, hostID: hostID, principals: [node, hostID], ttl: Self.hostCertificateTTL)
        let tlsCertificate = try authority.tlsCA.issueCertificate(
            kind: .host, name: hostID, roles: [ForwardedIdentity.nodeRole], publicKey: tlsKey,
            usage: serves ? [.server, .client] : .client, ttl: Self.hostCertificateTTL)
        return (hostCertificate.authorizedKeyLine(), try PEMCoding.pem(of: tlsCertificate))
    }
}
