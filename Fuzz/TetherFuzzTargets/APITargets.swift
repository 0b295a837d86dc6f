import Foundation
import TetherAPI
import TetherProxy

extension FuzzTargets {
    static let api = [apiBody, relayHTTP]

    /// The request bodies the auth API decodes (Hummingbird's default
    /// request decoder is Foundation's `JSONDecoder`), every type on every input.
    static let apiBody = FuzzTarget("api-body", "JSON request bodies of the auth API (login, join, heartbeat, renewal, audit upload, trust)") { bytes in
        let data = Data(bytes)
        let decoder = JSONDecoder()
        _ = try? decoder.decode(LoginRequest.self, from: data)
        _ = try? decoder.decode(JoinRequest.self, from: data)
        _ = try? decoder.decode(Heartbeat.self, from: data)
        _ = try? decoder.decode(HostRenewalRequest.self, from: data)
        _ = try? decoder.decode(AuditUpload.self, from: data)
        _ = try? decoder.decode(TrustRequest.self, from: data)
    }

    /// A relayed API call between clusters, HTTP/1.1 on a tunnel stream:
    /// the bytes as a root's request read by a leaf, and as a leaf's answer
    /// read by its root. Each must reach one verdict once the stream ends.
    static let relayHTTP = FuzzTarget("relay-http", "relayed API requests and answers between clusters (HTTP/1.1, the relay's readers)") { bytes in
        let input = Array(bytes)
        require(RelayedHTTPReading.request(input) != nil, "a relayed request gets a verdict once the stream ends")
        require(RelayedHTTPReading.answer(input) != nil, "a relayed answer gets a verdict once the stream ends")
    }
}
