import Crypto
import Foundation
import NIOCore
import TetherAPI
import TetherCore
import TetherIdentity
import TetherTransport

/// First start: make the node's keys, learn and pin the cluster's CA, and
/// trade the join token for host certificates.
public enum NodeJoiner {
    public static func join(_ configuration: NodeConfiguration, eventLoopGroup: any EventLoopGroup) async throws(TetherError) -> NodeIdentity {
        guard let token = configuration.joinToken, !token.isEmpty else {
            throw TetherError(.invalidArgument, "node \(configuration.name) has not joined a cluster yet and has no join_token; create one with `tetherctl tokens add --type node` and set node.join_token.")
        }
        let expectation: ClusterPinning.Expectation
        switch configuration.firstContact {
        case .pin(let pin): expectation = .pin(pin)
        case .insecure: expectation = .insecure
        case nil:
            throw TetherError(.invalidArgument, "node \(configuration.name) has no ca_pin to check the cluster on first contact; copy the pin from `tetherctl status` into node.ca_pin.")
        }
        let server = configuration.apiServer
        let discovered = try await ClusterPinning.discover(server, expecting: expectation, eventLoopGroup: eventLoopGroup)

        let sshKey = SSHPrivateKey.generate(.ed25519)
        let tlsKey = P256.Signing.PrivateKey()
        let proof = try sshKey.sign(JoinRequest.proofMessage(token: token, nodeName: configuration.name))
        let request = JoinRequest(
            token: token,
            nodeName: configuration.name,
            sshPublicKey: sshKey.publicKey.authorizedKeyLine(),
            tlsPublicKey: tlsKey.publicKey.pemRepresentation,
            proof: Data(proof.wireBlob).base64EncodedString(),
            addresses: certificateAddresses(configuration.reachability),
            listen: configuration.listenAddress
        )
        let tls = try TLSSettings.client(credentials: nil, trustedCAPEMs: [discovered.tlsCA], applicationProtocols: [ALPN.http])
        let client = APIClient(server: server, tls: tls, expecting: .proxyOrAuth(of: discovered.cluster), eventLoopGroup: eventLoopGroup)
        let response: JoinResponse
        do {
            response = try await client.post(APIPath.join, body: request)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
        guard response.clusterInfo.tlsCAPin == discovered.tlsCAPin else {
            throw TetherError(.verificationFailed, "the join answer from \(server) names CA \(response.clusterInfo.tlsCAPin), not the pinned \(discovered.tlsCAPin); refusing it.")
        }
        let identity = NodeIdentity(
            record: NodeIdentityRecord(
                hostID: response.hostID, nodeName: configuration.name,
                clusterInfo: response.clusterInfo, tokenLabels: response.tokenLabels
            ),
            sshHostKey: sshKey,
            sshHostCertificate: response.sshHostCertificate.trimmingCharacters(in: .whitespacesAndNewlines),
            tlsPrivateKeyPEM: PEMCoding.pem(of: tlsKey),
            tlsCertificatePEM: response.tlsCertificate
        )
        try identity.save(to: NodeFiles(directory: configuration.nodeDirectory))
        return identity
    }

    /// A direct node's address, which asks for a certificate that may serve
    /// TLS to the proxy (it is not put in the certificate); none for a tunnel node.
    static func certificateAddresses(_ reachability: NodeConfiguration.Reachability) -> [String] {
        guard case .direct(_, let listen) = reachability else { return [] }
        let unspecified = ["0.0.0.0", "::", ""]
        return unspecified.contains(listen.host) ? ["127.0.0.1"] : [listen.host]
    }
}
