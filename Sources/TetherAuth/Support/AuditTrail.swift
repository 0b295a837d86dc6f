import Foundation
import TetherCore
import TetherStorage

/// Audit event names the auth service writes (product.md "Audit").
public enum AuthEvent {
    public static let userLogin = "user.login"
    public static let userLoginFailed = "user.login.failed"
    /// A user was locked out after too many failed logins.
    public static let userLoginLocked = "user.login.locked"
    public static let certCreate = "cert.create"
    public static let authFailed = "auth.failed"
    public static let nodeJoin = "node.join"
    public static let lockCreate = "lock.create"
    public static let tokenCreate = "token.create"
    public static let tokenDelete = "token.delete"
    public static let userPasswordChange = "user.password.change"

    /// `role.create`, `trusted_cluster.delete`...
    public static func resource(_ kind: String, _ action: String) -> String { "\(kind).\(action)" }
}

/// Writes this cluster's audit events with the time and cluster filled in.
public struct AuditTrail: Sendable {
    public let log: any AuditLog
    public let cluster: String
    public let clock: any WallClock

    public init(log: any AuditLog, cluster: String, clock: any WallClock) {
        self.log = log
        self.cluster = cluster
        self.clock = clock
    }

    /// Appends one event of type `type`, after `describe` fills in its fields.
    public func record(_ type: String, _ describe: (inout AuditEvent) -> Void = { _ in }) throws(TetherError) {
        var event = AuditEvent(event: type, time: clock.now(), cluster: cluster)
        describe(&event)
        try log.append(event)
    }

    /// An `auth.failed` event: an authorization decision said no.
    public func refusal(_ reason: String, user: String? = nil, remoteAddress: String? = nil, _ describe: (inout AuditEvent) -> Void = { _ in }) throws(TetherError) {
        try record(AuthEvent.authFailed) { event in
            event.user = user
            event.remoteAddr = remoteAddress
            event.fields["reason"] = .string(reason)
            describe(&event)
        }
    }
}
