import Foundation
import TetherAPI
import TetherCore
import TetherIdentity
import TetherTransport

/// What `identity.json` holds: who this node is in its cluster.
public struct NodeIdentityRecord: Codable, Sendable, Equatable {
    public var hostID: String
    public var nodeName: String
    public var clusterInfo: ClusterInfo
    /// Labels the join token carried; the node's own labels win over them.
    public var tokenLabels: Labels

    public init(hostID: String, nodeName: String, clusterInfo: ClusterInfo, tokenLabels: Labels) {
        self.hostID = hostID
        self.nodeName = nodeName
        self.clusterInfo = clusterInfo
        self.tokenLabels = tokenLabels
    }

    public var cluster: String { clusterInfo.cluster }

    enum CodingKeys: String, CodingKey {
        case hostID = "host_id"
        case nodeName = "node_name"
        case clusterInfo = "cluster_info"
        case tokenLabels = "token_labels"
    }
}

/// A joined node's identity: its record, keys and certificates.
public struct NodeIdentity: Sendable {
    public var record: NodeIdentityRecord
    public var sshHostKey: SSHPrivateKey
    /// Authorized-keys line of the host certificate.
    public var sshHostCertificate: String
    public var tlsPrivateKeyPEM: String
    public var tlsCertificatePEM: String

    public init(record: NodeIdentityRecord, sshHostKey: SSHPrivateKey, sshHostCertificate: String, tlsPrivateKeyPEM: String, tlsCertificatePEM: String) {
        self.record = record
        self.sshHostKey = sshHostKey
        self.sshHostCertificate = sshHostCertificate
        self.tlsPrivateKeyPEM = tlsPrivateKeyPEM
        self.tlsCertificatePEM = tlsCertificatePEM
    }

    /// The node's TLS identity, trusting only its cluster's CA.
    public var tlsCredentials: TLSCredentials {
        TLSCredentials(certificatePEM: tlsCertificatePEM, privateKeyPEM: tlsPrivateKeyPEM, trustedCAPEMs: [record.clusterInfo.tlsCA])
    }

    /// The cluster's SSH user CA keys (one per line; several during a rotation).
    public func userCAKeys() throws(TetherError) -> Set<SSHPublicKey> {
        var keys: Set<SSHPublicKey> = []
        for line in record.clusterInfo.sshUserCA.split(whereSeparator: \.isNewline) where !line.allSatisfy(\.isWhitespace) {
            keys.insert(try SSHPublicKey(authorizedKeyLine: String(line)))
        }
        guard !keys.isEmpty else {
            throw TetherError(.malformed, "identity.json names no SSH user CA for cluster \(record.cluster); remove data_dir/node and join again.")
        }
        return keys
    }

    /// Reads the identity from `files`, or nil if the node has not joined yet.
    public static func load(from files: NodeFiles) throws(TetherError) -> NodeIdentity? {
        guard SecureFile.exists(files.identity) else { return nil }
        let record: NodeIdentityRecord
        do {
            record = try JSONDecoder().decode(NodeIdentityRecord.self, from: Data(try SecureFile.read(files.identity).utf8))
        } catch let error as TetherError {
            throw error
        } catch {
            throw TetherError(.malformed, "\(files.identity) cannot be read (\(error)); remove data_dir/node and join again.")
        }
        return NodeIdentity(
            record: record,
            sshHostKey: try SSHKeyFiles.readPrivateKey(at: files.sshHostKey),
            sshHostCertificate: try SecureFile.read(files.sshHostCertificate).trimmingCharacters(in: .whitespacesAndNewlines),
            tlsPrivateKeyPEM: try SecureFile.read(files.tlsKey),
            tlsCertificatePEM: try SecureFile.read(files.tlsCertificate)
        )
    }

    /// Writes every file; identity.json last, so a crash mid-way leaves a
    /// node that simply joins again.
    public func save(to files: NodeFiles) throws(TetherError) {
        try SecureFile.makePrivateDirectory(files.directory)
        try SSHKeyFiles.writePrivateKey(sshHostKey, to: files.sshHostKey, comment: record.nodeName)
        try SecureFile.write(sshHostCertificate + "\n", to: files.sshHostCertificate, mode: 0o644)
        try SecureFile.write(tlsPrivateKeyPEM, to: files.tlsKey, mode: 0o600)
        try SecureFile.write(tlsCertificatePEM, to: files.tlsCertificate, mode: 0o644)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json: Data
        do {
            json = try encoder.encode(record)
        } catch {
            throw TetherError(.internal, "cannot encode the node identity: \(error).")
        }
        try SecureFile.write(String(decoding: json, as: UTF8.self) + "\n", to: files.identity, mode: 0o600)
    }
}
