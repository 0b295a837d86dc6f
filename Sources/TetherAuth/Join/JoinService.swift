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
/// Names: a node name belongs to the host key that joined under it. The
/// same key joining again (a reinstall that kept the host key) keeps its host
/// ID. Another key (a new machine, or one that lost its identity) may take
/// the name only once an administrator removed the node
/// (`tetherctl rm node/NAME`), or with a token made for that name
/// (`tetherctl tokens add --type node --node NAME`); it gets a new host ID.
/// Otherwise any node token would let its holder take over `prod-db`: its
/// routes, and the host key users pin.
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
        try NodeName.check(request.nodeName)
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
            token = try tokens.token(request.token, as: .node)
        } catch {
            try audit.refusal("invalid join token", remoteAddress: remoteAddress) { $0.node = request.nodeName }
            throw error
        }
        if let named = token.spec.node, named != request.nodeName {
            let reason = "join token \(token.name) is for node \(named), not \(request.nodeName)"
            try audit.refusal(reason, remoteAddress: remoteAddress) { $0.node = request.nodeName }
            throw TetherError(.accessDenied, reason + "; set node.name to \(named) or make a token for \(request.nodeName).")
        }
        let listen = try request.listen.map { address throws(TetherError) in try HostPort(parsing: address).description }

        // A token is used up only by a join that succeeds.
        let previous = try resources.node(request.nodeName)
        let hostID: String
        if let previous, let held = previous.spec.sshHostKey, (try? SSHPublicKey(authorizedKeyLine: held)) == sshKey, let kept = previous.spec.hostID {
            hostID = kept
        } else if let previous, token.spec.node != request.nodeName {
            throw try nameTaken(previous, by: sshKey, remoteAddress: remoteAddress)
        } else {
            hostID = UUID().uuidString.lowercased()
        }
        do {
            try tokens.useUp(token)
        } catch {
            try audit.refusal("invalid join token", remoteAddress: remoteAddress) { $0.node = request.nodeName }
            throw error
        }

        // Labels come with the first heartbeat; until then the token's stand in.
        // The address (or the tunnel) is fixed here: heartbeats must repeat it.
        let node = NodeResource(
            metadata: ResourceMetadata(name: request.nodeName, labels: token.spec.labels),
            spec: NodeSpec(hostname: request.nodeName, addr: listen, tunnel: listen == nil, hostID: hostID, sshHostKey: sshKey.authorizedKeyLine())
        )
        do {
            try resources.put(.node(node), mode: previous == nil ? .createOnly : .replace)
        } catch where error.code == .alreadyExists {
            // Another key joined under this name a moment ago.
            throw try nameTaken(try resources.node(request.nodeName) ?? node, by: sshKey, remoteAddress: remoteAddress)
        }

        let certificates = try certify(node: request.nodeName, hostID: hostID, sshKey: sshKey, tlsKey: tlsKey, serves: !node.spec.tunnel)

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
        let node = try RegisteredHosts(resources: resources, audit: audit).node(
            hostID: hostID, remoteAddress: remoteAddress, "asked to renew its certificates")
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
        // As on record since the join: a tunnel node's renewal never gains serverAuth.
        let certificates = try certify(node: node.name, hostID: hostID, sshKey: sshKey, tlsKey: tlsKey, serves: !node.spec.tunnel)
        try audit.record(AuthEvent.certCreate) { event in
            event.node = node.name
            event.remoteAddr = remoteAddress
            event.fields["cert_type"] = .string("host_renewal")
            event.fields["host_id"] = .string(hostID)
        }
        return HostRenewalResponse(sshHostCertificate: certificates.ssh, tlsCertificate: certificates.tls)
    }

    /// The audited refusal of a join under the name `holder` holds, with another key.
    private func nameTaken(_ holder: NodeResource, by key: SSHPublicKey, remoteAddress: String?) throws(TetherError) -> TetherError {
        let name = holder.name
        let reason = "node name \(name) is taken by host \(holder.spec.hostID ?? "?") with another host key"
        try audit.refusal(reason, remoteAddress: remoteAddress) { event in
            event.node = name
            event.fields["ssh_fingerprint"] = .string(key.fingerprint)
        }
        return TetherError(.accessDenied, reason + "; to give the name to this machine remove the node first (tetherctl rm node/\(name)) or join with a token made by tetherctl tokens add --type node --node \(name).")
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
