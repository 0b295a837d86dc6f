import NIOCore
import NIOSSH
import TetherCore
import TetherIdentity
import TetherPolicy
import TetherTunnel

/// The node's SSH service: one SSH server connection per tunnel stream,
/// its host key, the login decision and the audit trail.
public struct NodeSSHServer: Sendable {
    public let hostKey: SSHPrivateKey
    public let gate: LoginGate
    public let auditor: NodeAuditor
    /// The connections admitted and open, for locks to end.
    public let openSessions: OpenSessions

    public init(hostKey: SSHPrivateKey, gate: LoginGate, auditor: NodeAuditor) {
        self.hostKey = hostKey
        self.gate = gate
        self.auditor = auditor
        openSessions = OpenSessions(gate: gate) { NodeTarget(name: auditor.nodeName, labels: auditor.labels.current) }
    }

    /// This node as access decisions see it now.
    var nodeTarget: NodeTarget { NodeTarget(name: auditor.nodeName, labels: auditor.labels.current) }

    /// Serves `SSHRouting.streamPath` streams, on a tunnel or a direct listener.
    public var router: any TunnelStreamRouter { NodeStreamRouter(server: self) }

    /// Runs an SSH server on `channel`, a byte pipe (`ByteBuffer` in and
    /// out). `certificate` passed `LoginGate.precheck`. Must run on the
    /// channel's event loop.
    public func serve(on channel: Channel, certificate: SSHCertificate, remoteAddress: String?) throws {
        let connection = SSHConnectionState(certificate: certificate, remoteAddress: remoteAddress, channel: channel)
        var configuration = SSHServerConfiguration(
            hostKeys: [nioHostKey],
            userAuthDelegate: NodeUserAuthDelegate(server: self, connection: connection)
        )
        // Like sshd's MaxAuthTries: a client cycling keys cannot flood the audit log.
        configuration.maxAuthAttempts = Self.maximumAuthAttempts
        let sessions = SessionServices(auditor: auditor)
        let handler = NIOSSHHandler(role: .server(configuration), allocator: channel.allocator) { child, type in
            Self.initialize(child, type: type, connection: connection, sessions: sessions)
        }
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.pipeline.syncOperations.addHandler(SSHConnectionTail(logger: auditor.logger))
    }

    static let maximumAuthAttempts = 6

    private var nioHostKey: NIOSSHPrivateKey {
        switch hostKey {
        case .ed25519(let key): NIOSSHPrivateKey(ed25519Key: key)
        case .ecdsaP256(let key): NIOSSHPrivateKey(p256Key: key)
        }
    }

    /// Sets up a channel the client opened; only after a successful login.
    private static func initialize(_ child: Channel, type: SSHChannelType, connection: SSHConnectionState, sessions: SessionServices) -> EventLoopFuture<Void> {
        guard let admission = connection.admission else {
            return child.eventLoop.makeFailedFuture(TetherError(.accessDenied, "channel opened before login."))
        }
        if let lock = connection.lock {
            return child.eventLoop.makeFailedFuture(LoginGate.lockedOut(lock))
        }
        let subject = AuditSubject(identity: admission.identity, login: admission.login, remoteAddress: connection.remoteAddress)
        switch type {
        case .session:
            return child.eventLoop.makeCompletedFuture {
                let session = SessionChannelHandler(admission: admission, subject: subject, services: sessions)
                try child.pipeline.syncOperations.addHandler(session)
                connection.opened(session, on: child)
            }
        case .directTCPIP(let target):
            return DirectTCPIPForwarder.open(child, target: target, admission: admission, subject: subject, auditor: sessions.auditor)
        case .forwardedTCPIP:
            // The server's to open, for remote forwards (which the node does
            // not offer): refused on its own; the connection carries on.
            let refusal = TetherError(.unsupported, "this node does not serve forwarded-tcpip channels from clients; it offers no remote forwarding.")
            sessions.auditor.logger.notice("refused an SSH channel", metadata: [
                "type": "forwarded-tcpip", "user": "\(admission.identity.user)", "remote_addr": "\(connection.remoteAddress ?? "")",
            ])
            return child.eventLoop.makeFailedFuture(refusal)
        }
    }
}
