import NIOCore
import TetherIdentity
import TetherPolicy

/// What one SSH connection knows: the certificate the proxy delivered with
/// the stream, where the user came from, once user auth succeeded the
/// admission, and the sessions open on it (so a lock can end them).
/// Confined to the connection's event loop.
final class SSHConnectionState {
    let certificate: SSHCertificate
    let remoteAddress: String?
    /// The connection's byte pipe: closing it ends the SSH connection.
    let channel: Channel
    var admission: Admission?
    /// The lock that ended this connection, once one has.
    private(set) var lock: TetherPolicy.Lock?
    private var sessions: [ObjectIdentifier: SessionChannelHandler] = [:]

    init(certificate: SSHCertificate, remoteAddress: String?, channel: Channel) {
        self.certificate = certificate
        self.remoteAddress = remoteAddress
        self.channel = channel
    }

    /// Tracks a session channel until it closes.
    func opened(_ session: SessionChannelHandler, on child: Channel) {
        let key = ObjectIdentifier(session)
        sessions[key] = session
        let connection = NIOLoopBound(self, eventLoop: channel.eventLoop)
        child.closeFuture.whenComplete { _ in connection.value.closed(key) }
    }

    private func closed(_ key: ObjectIdentifier) {
        sessions.removeValue(forKey: key)
        if lock != nil, sessions.isEmpty { channel.close(promise: nil) }
    }

    /// A lock matched: each session tells its user and ends (audited), then
    /// the connection closes, port forwards and all.
    func end(by lock: TetherPolicy.Lock) {
        guard self.lock == nil else { return }
        self.lock = lock
        guard !sessions.isEmpty else { return channel.close(promise: nil) }
        let sentence = LoginGate.lockedOut(lock).message
        for session in sessions.values { session.end(byLock: lock.name, sentence: sentence) }
    }
}
