import NIOCore
import TetherAPI
import TetherCore
import TetherIdentity

/// First contact with a cluster: learn its CA from `GET /v1/cluster` and
/// accept it only if it matches the pin the operator was given (or the user
/// said `--insecure`). Every later connection verifies against that CA.
public enum ClusterPinning {
    public enum Expectation: Sendable {
        case pin(CAPin)
        /// Trust on first use, at the user's explicit request.
        case insecure
    }

    public static func discover(_ server: ServerEndpoint, expecting expectation: Expectation, eventLoopGroup: any EventLoopGroup) async throws(TetherError) -> ClusterInfo {
        let address = server.address
        let client = APIClient.firstContact(server: server, eventLoopGroup: eventLoopGroup)
        let info: ClusterInfo
        do {
            info = try await client.get(APIPath.cluster)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
        guard case .pin(let expected) = expectation else { return info }
        let certificates = try PEMCoding.certificates(fromPEM: info.tlsCA)
        guard let ca = certificates.first, certificates.count == 1 else {
            throw TetherError(.malformed, "\(address) sent \(certificates.count) CA certificates where one was expected.")
        }
        let actual = try CAPin(certificate: ca)
        guard actual == expected else {
            throw TetherError(.verificationFailed, "the cluster at \(address) presents CA \(actual), not the pinned \(expected); check the pin, or someone is in the middle.")
        }
        return info
    }
}
