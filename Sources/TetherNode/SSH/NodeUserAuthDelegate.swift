import NIOCore
import NIOSSH
import TetherCore
import TetherIdentity
import TetherPolicy

/// Admits a publickey login (whose signature swift-nio-ssh has already
/// verified, so the client holds the key) only if the delivered certificate
/// certifies that very key and the login gate allows it. Every refusal is
/// audited as `auth.failed` with its reason.
final class NodeUserAuthDelegate: NIOSSHServerUserAuthenticationDelegate {
    private let server: NodeSSHServer
    private let connection: SSHConnectionState

    init(server: NodeSSHServer, connection: SSHConnectionState) {
        self.server = server
        self.connection = connection
    }

    var supportedAuthenticationMethods: NIOSSHAvailableUserAuthenticationMethods { .publicKey }

    func requestReceived(request: NIOSSHUserAuthenticationRequest, responsePromise: EventLoopPromise<NIOSSHUserAuthenticationOutcome>) {
        // "none" and password probes are simply not offered; they are not attacks worth an event.
        guard case .publicKey(let offer) = request.request else {
            responsePromise.succeed(.failure)
            return
        }
        let decision: Result<Admission, LoginDenial>
        do {
            let presented = try SSHPublicKey(authorizedKeyLine: String(openSSHPublicKey: offer.publicKey))
            decision = server.gate.admit(
                certificate: connection.certificate, login: request.username, presentedKey: presented,
                node: NodeTarget(name: server.auditor.nodeName, labels: server.auditor.labels.current)
            )
        } catch {
            decision = .failure(LoginDenial(error: error, identity: try? TetherCertificateIdentity(certificate: connection.certificate), login: request.username))
        }
        switch decision {
        case .success(let admission):
            connection.admission = admission
            let bound = NIOLoopBound(connection, eventLoop: connection.channel.eventLoop)
            let eventLoop = connection.channel.eventLoop
            server.openSessions.admitted(
                OpenSessions.Connection(identity: admission.identity) { lock in eventLoop.execute { bound.value.end(by: lock) } },
                closed: connection.channel.closeFuture)
            responsePromise.succeed(.success)
        case .failure(let denial):
            server.auditor.loginRefused(denial, remoteAddress: connection.remoteAddress)
            responsePromise.succeed(.failure)
        }
    }
}
