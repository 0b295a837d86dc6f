import NIOCore
import NIOSSH
import TetherCore
import TetherIdentity
import TetherTunnel

/// The node's SSH service: one SSH server connection per tunnel stream,
/// its host key, the login decision and the audit trail.
public struct NodeSSHServer: Sendable {
    public let hostKey: SSHPrivateKey
    public let gate: LoginGate
    public let auditor: NodeAuditor

    public init(hostKey: SSHPrivateKey, gate: LoginGate, auditor: NodeAuditor) {
        self.hostKey = hostKey
        self.gate = gate
        self.auditor = auditor
    }

    /// Serves `SSHRouting.streamPath` streams, on a tunnel or a direct listener.
    public var router: any TunnelStreamRouter { NodeStreamRouter(server: self) }

    /// Runs an SSH server on `channel`, a byte pipe (`ByteBuffer` in and
    /// out). `certificate` passed `LoginGate.precheck`. Must run on the
    /// channel's event loop.
    public func serve(on channel: Channel, certificate: SSHCertificate, remoteAddress: String?) throws {
        let connection = SSHConnectionState(certificate: certificate, remoteAddress: remoteAddress)
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
        try channel.pipeline.syncOperations.addHandler(SSHConnectionTail())
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
        let subject = AuditSubject(identity: admission.identity, login: admission.login, remoteAddress: connection.remoteAddress)
        switch type {
        case .session:
            return child.eventLoop.makeCompletedFuture {
                try child.pipeline.syncOperations.addHandler(SessionChannelHandler(admission: admission, subject: subject, services: sessions))
            }
        case .directTCPIP(let target):
            return DirectTCPIPForwarder.open(child, target: target, admission: admission, subject: subject, auditor: sessions.auditor)
        default:
            return child.eventLoop.makeFailedFuture(TetherError(.unsupported, "this node does not serve \(type) channels."))
        }
    }
}
