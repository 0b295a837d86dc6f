import Logging
import TetherCore
import TetherIdentity
import TetherStorage

/// Who did what, as every node event states it.
public struct AuditSubject: Sendable {
    public var identity: TetherCertificateIdentity?
    public var login: String?
    public var sessionID: String?
    public var remoteAddress: String?

    public init(identity: TetherCertificateIdentity?, login: String?, sessionID: String? = nil, remoteAddress: String?) {
        self.identity = identity
        self.login = login
        self.sessionID = sessionID
        self.remoteAddress = remoteAddress
    }
}

/// Writes the node's audit events to its spool with the common fields
/// filled in: cluster, node, the node's labels at this moment, the user's
/// identity and roles. A spool failure is logged, never thrown into a session.
public struct NodeAuditor: Sendable {
    public enum EventType {
        public static let authFailed = "auth.failed"
        public static let sessionStart = "session.start"
        public static let sessionEnd = "session.end"
        public static let exec = "exec"
        public static let portForward = "port_forward"
        /// A file operation in an sftp subsystem session.
        public static let sftp = "sftp"
        /// A legacy-protocol scp transfer (an exec of `scp -t`/`scp -f`).
        public static let scp = "scp"
    }

    public let cluster: String
    public let nodeName: String
    public let labels: NodeLabels
    public let spool: AuditSpool
    public let clock: any WallClock
    public let logger: Logger

    public init(cluster: String, nodeName: String, labels: NodeLabels, spool: AuditSpool, clock: any WallClock, logger: Logger) {
        self.cluster = cluster
        self.nodeName = nodeName
        self.labels = labels
        self.spool = spool
        self.clock = clock
        self.logger = logger
    }

    /// The event as it would be written now (also the template for recordings).
    public func event(_ type: String, _ subject: AuditSubject, fields: [String: JSONValue] = [:]) -> AuditEvent {
        let identity = subject.identity
        return AuditEvent(
            event: type, time: clock.now(), cluster: cluster,
            user: identity?.user, login: subject.login, node: nodeName, nodeLabels: labels.current,
            sessionID: subject.sessionID, remoteAddr: subject.remoteAddress, roles: identity?.roles,
            originCluster: identity?.originCluster, originRoles: identity?.originCluster == nil ? nil : identity?.originRoles,
            fields: fields
        )
    }

    public func emit(_ type: String, _ subject: AuditSubject, fields: [String: JSONValue] = [:]) {
        do {
            try spool.append(event(type, subject, fields: fields))
        } catch {
            logger.error("cannot write audit event to the spool", metadata: ["event": "\(type)", "error": "\(error.message)"])
        }
    }

    /// `auth.failed` with the reason the user was refused.
    public func loginRefused(_ denial: LoginDenial, remoteAddress: String?) {
        emit(EventType.authFailed, AuditSubject(identity: denial.identity, login: denial.login, remoteAddress: remoteAddress),
             fields: ["reason": .string(denial.error.message), "code": .string(denial.error.code.rawValue)])
    }

    /// A recorder for one session's `session.data` events, in the same spool.
    public func recorder(for subject: AuditSubject) -> SessionRecorder {
        SessionRecorder(sessionID: subject.sessionID ?? "", context: event(SessionRecorder.eventType, subject), log: spool.store, clock: clock)
    }
}
