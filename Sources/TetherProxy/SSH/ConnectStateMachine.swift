import NIOCore
import NIOHTTP1
import TetherAPI
import TetherCore
import TetherIdentity
import TetherTunnel

/// The proxy's side of a `tether-ssh/1` exchange, pure: `SSHConnectHandler`
/// feeds it what happens on the connection and performs the action it
/// returns. The client sends `CONNECT NODE:0` with its SSH certificate and
/// must complete that request within `deadline` of the connection reaching
/// this handler; the request is checked (a user certificate of this
/// cluster, an SSH certificate of the same user), the node's stream opened,
/// and only then is the client answered: 200 and the splice, or the error
/// as one sentence and a close.
struct ConnectStateMachine {
    enum State: Equatable {
        case awaitingRequest
        case receivingRequest(HTTPRequestHead)
        case routing(ConnectRequest)
        case spliced
        case closed
    }

    enum Action: Equatable {
        case none
        /// The request is complete and checked: stop the deadline, find the
        /// node and open its stream.
        case route(ConnectRequest)
        /// Report `audit` (when set), answer with the error, close.
        case refuse(TetherError, audit: ProxyEvent?)
        /// The node's stream is open: answer 200 and splice it on.
        case splice
        /// A stream opened for a client that is gone or was refused: close it.
        case closeStream
    }

    /// How long a client has to complete its CONNECT request when none is configured.
    static let defaultDeadline: TimeAmount = .seconds(10)

    let clusterName: String
    let deadline: TimeAmount
    private(set) var state = State.awaitingRequest

    init(clusterName: String, deadline: TimeAmount = Self.defaultDeadline) {
        self.clusterName = clusterName
        self.deadline = deadline
    }

    mutating func receivedHead(_ head: HTTPRequestHead) -> Action {
        guard case .awaitingRequest = state else { return .none }
        state = .receivingRequest(head)
        return .none
    }

    /// The request ended; `peer` is who the TLS client certificate names,
    /// `clientAddress` where the connection comes from.
    mutating func receivedEnd(peer: Result<TLSIdentity?, TetherError>, clientAddress: String) -> Action {
        guard case .receivingRequest(let head) = state else { return .none }
        switch Self.check(head, peer: peer, clientAddress: clientAddress, cluster: clusterName) {
        case .success(let request):
            state = .routing(request)
            return .route(request)
        case .failure(let refusal):
            state = .closed
            return .refuse(refusal.error, audit: refusal.audit)
        }
    }

    /// The HTTP decoder could not parse what the client sent.
    mutating func requestMalformed(_ error: any Error) -> Action {
        refuseUnlessComplete(TetherError(.invalidArgument, "the CONNECT request is not valid HTTP/1.1 (\(TetherError.clause(error))); connect with `tether ssh`, or ssh with the config from `tether config`."))
    }

    mutating func deadlinePassed() -> Action {
        refuseUnlessComplete(TetherError(.invalidArgument, "the CONNECT request was not complete within \(Self.seconds(deadline)); send `CONNECT NODE:0` and its headers at once, as `tether ssh` does."))
    }

    /// A request not yet complete ends with `error`; a complete one carries on.
    private mutating func refuseUnlessComplete(_ error: TetherError) -> Action {
        switch state {
        case .awaitingRequest, .receivingRequest:
            state = .closed
            return .refuse(error, audit: nil)
        case .routing, .spliced, .closed:
            return .none
        }
    }

    mutating func streamOpened() -> Action {
        guard case .routing = state else { return .closeStream }
        state = .spliced
        return .splice
    }

    mutating func streamFailed(_ error: any Error) -> Action {
        guard case .routing = state else { return .none }
        state = .closed
        let refusal = (error as? TetherError) ?? TetherError(.unavailable, "the proxy could not reach the node: \(TetherError.clause(error)).")
        return .refuse(refusal, audit: nil)
    }

    mutating func connectionClosed() {
        state = .closed
    }

    private static func seconds(_ amount: TimeAmount) -> String {
        let milliseconds = amount.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) seconds" : "\(milliseconds) ms"
    }

    private struct Refusal: Error {
        var error: TetherError
        var audit: ProxyEvent?
    }

    private static func check(_ head: HTTPRequestHead, peer: Result<TLSIdentity?, TetherError>, clientAddress: String, cluster: String) -> Result<ConnectRequest, Refusal> {
        guard head.method == .CONNECT else {
            return .failure(Refusal(error: TetherError(.invalidArgument, "expected CONNECT NODE:0 on \(ALPN.ssh), got \(head.method).")))
        }
        let identity: TLSIdentity
        switch peer {
        case .failure(let error):
            return .failure(Refusal(error: error))
        case .success(let peer):
            guard let peer, peer.kind == .user, peer.cluster == cluster else {
                return .failure(Refusal(error: TetherError(.accessDenied, "no user certificate of cluster \(cluster) was presented; run `tether login` first.")))
            }
            identity = peer
        }
        let target = head.uri
        let node = target.lastIndex(of: ":").map { String(target[..<$0]) } ?? target
        guard !node.isEmpty else {
            return .failure(Refusal(error: TetherError(.invalidArgument, "the CONNECT request names no node.")))
        }
        let leafCluster = head.headers.first(name: SSHRouting.clusterHeader).flatMap { $0.isEmpty || $0 == cluster ? nil : $0 }
        guard let certificate = head.headers.first(name: SSHRouting.certificateHeader), !certificate.isEmpty else {
            return .failure(Refusal(error: TetherError(.invalidArgument, "the CONNECT request carries no \(SSHRouting.certificateHeader); run `tether login` again.")))
        }
        do {
            try requireSameUser(certificate, as: identity)
        } catch {
            let audit = ProxyEvent.nodeRefused(user: identity.name, node: node, reason: error.message, originCluster: identity.originCluster, clientAddress: clientAddress)
            return .failure(Refusal(error: error, audit: audit))
        }
        return .success(ConnectRequest(
            user: identity.name, roles: identity.roles, node: node, leafCluster: leafCluster,
            certificate: certificate, clientAddress: clientAddress))
    }

    /// Routing and the audit go by the TLS certificate, the node's login by
    /// the SSH certificate: they must speak for the same user of the same
    /// cluster, or one user's connection would carry another's login.
    /// Only compared here: the node verifies the SSH certificate's signature.
    static func requireSameUser(_ certificateLine: String, as tls: TLSIdentity) throws(TetherError) {
        let ssh: TetherCertificateIdentity
        do {
            ssh = try TetherCertificateIdentity(certificate: try SSHCertificate(authorizedKeyLine: certificateLine))
        } catch {
            throw TetherError(.invalidArgument, "the \(SSHRouting.certificateHeader) of the CONNECT request is no Tether SSH certificate (\(TetherError.clause(error))); run `tether login` again.")
        }
        guard ssh.user == tls.name, ssh.cluster == tls.cluster, ssh.originCluster == tls.originCluster else {
            throw TetherError(.accessDenied, "the SSH certificate of the CONNECT request is user \(ssh.user) of cluster \(ssh.cluster), but its TLS certificate is \(tls.name) of cluster \(tls.cluster); connect with the SSH and TLS certificates of one `tether login`.")
        }
    }
}

/// A user's CONNECT request, checked: the node asked for (in a leaf
/// cluster, or in this one) and what the node is told.
struct ConnectRequest: Sendable, Equatable {
    var user: String
    var roles: [String]
    var node: String
    var leafCluster: String?
    var certificate: String
    var clientAddress: String

    /// The stream to `node` (the name routing found, or the one asked for
    /// in a leaf, whose proxy finds it).
    func streamRequest(node: String) -> ResourceStreamRequest {
        ResourceStreamRequest(kind: .ssh, resource: node, certificate: certificate, clientAddress: clientAddress)
    }
}
