import Foundation
import Logging
import NIOConcurrencyHelpers
import TetherAPI
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

/// What a node does when its audit spool cannot be written (disk full,
/// damaged file): `refuse` new sessions and end recorded ones, or
/// `proceed` unaudited. Either way the failure is logged, and audited
/// (`audit.lost`) once the spool can be written again.
public enum AuditFailurePolicy: Sendable {
    case refuse
    case proceed
}

/// Writes the node's audit events to its spool with the common fields
/// filled in: cluster, node, the node's labels at this moment, the user's
/// identity and roles. `emit` only queues (event loops call it); `record`
/// writes at once and is for code off the event loops, or that must know
/// the outcome before it goes on.
public struct NodeAuditor: Sendable {
    public typealias EventType = NodeEventType

    public let cluster: String
    public let nodeName: String
    public let labels: NodeLabels
    public let spool: AuditSpool
    public let clock: any WallClock
    public let logger: Logger
    public let onSpoolFailure: AuditFailurePolicy
    /// Where `emit` queues events, written to the spool off the event
    /// loops; run it (a `Service`) for as long as the node serves.
    public let sink: AuditSink<AuditEvent>
    private let appender: SpoolAppender

    /// Marks a session whose `session.end` is not written yet (see `closeInterruptedSessions`).
    private static let openSessionKind = "node_open_session"

    public init(
        cluster: String, nodeName: String, labels: NodeLabels, spool: AuditSpool, clock: any WallClock, logger: Logger,
        onSpoolFailure: AuditFailurePolicy = .refuse, queueCapacity: Int = 4096
    ) {
        self.cluster = cluster
        self.nodeName = nodeName
        self.labels = labels
        self.spool = spool
        self.clock = clock
        self.logger = logger
        self.onSpoolFailure = onSpoolFailure
        let appender = SpoolAppender(spool: spool, cluster: cluster, nodeName: nodeName, labels: labels, clock: clock)
        self.appender = appender
        sink = AuditSink(label: "node audit spool", capacity: queueCapacity, clock: clock, logger: logger) { events, loss throws(TetherError) in
            try appender.append(events, alsoLost: loss)
            // A session whose `session.end` is written owes nothing to the next start.
            for event in events where event.event == EventType.sessionEnd {
                if let sessionID = event.sessionID { Self.clearOpenSession(sessionID, in: spool, logger: logger) }
            }
        }
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

    /// Appends `events` in one transaction, preceded by an `audit.lost`
    /// event if earlier writes failed; returns the events' spool seqs. A
    /// failure is logged, counted, and thrown. Blocking: not on an event loop.
    @discardableResult
    public func record(_ events: [AuditEvent]) throws(TetherError) -> [Int64] {
        do {
            return try appender.append(events, alsoLost: nil)
        } catch {
            spoolFailed(error, losing: events.count, writing: events.map(\.event).joined(separator: ","))
            throw error
        }
    }

    /// Queues one event for the spool without waiting (see `AuditSink`: a
    /// full queue or a failed write is logged and counted into `audit.lost`):
    /// for events whose loss should not stop what they describe.
    public func emit(_ type: String, _ subject: AuditSubject, fields: [String: JSONValue] = [:]) {
        sink.enqueue(event(type, subject, fields: fields))
    }

    /// Logs a failed write and counts the events it loses (a note that
    /// proves the spool takes writes counts as one) into the next `audit.lost`.
    private func spoolFailed(_ error: TetherError, losing count: Int, writing what: String) {
        appender.count(AuditLoss(events: max(1, count), since: clock.now(), reason: error.message))
        logger.error("cannot write audit events to the spool", metadata: [
            "events": "\(what)", "error": "\(error.message)",
            "on_spool_failure": "\(onSpoolFailure == .refuse ? "refuse" : "continue")",
        ])
    }

    /// `auth.failed` with the reason the user was refused.
    public func loginRefused(_ denial: LoginDenial, remoteAddress: String?) {
        emit(EventType.authFailed, AuditSubject(identity: denial.identity, login: denial.login, remoteAddress: remoteAddress),
             fields: ["reason": .string(denial.error.message), "code": .string(denial.error.code.rawValue)])
    }

    /// A recorder for one session's `session.data` events, in the same
    /// spool: its chunks go through the sink, after what the session queued
    /// before them; `failed` hears of a chunk the spool did not take.
    public func recorder(for subject: AuditSubject, failed: @escaping @Sendable (TetherError) -> Void) -> SessionRecorder {
        SessionRecorder(sessionID: subject.sessionID ?? "", context: event(SessionRecorder.eventType, subject), log: RecorderLog(auditor: self, failed: failed), clock: clock)
    }

    /// Queues the end of a session, after everything it queued before; once
    /// written, the open-session note goes with it. A failed write is logged
    /// and counted by the sink, and the note stays, so the next start closes
    /// the session (`node restarted`).
    public func endSession(_ subject: AuditSubject, fields: [String: JSONValue]) {
        sink.submit([event(EventType.sessionEnd, subject, fields: fields)]) { _ in }
    }

    // MARK: Sessions cut by a crash

    /// Notes, before a session's process starts, that its `session.end` is
    /// owed; the note goes when it is written. Also proves the spool takes writes.
    public func sessionOpening(_ sessionID: String) throws(TetherError) {
        do {
            try spool.store.put(kind: Self.openSessionKind, name: sessionID, json: Data("{}".utf8), mode: .replace)
        } catch {
            spoolFailed(error, losing: 1, writing: "open session \(sessionID)")
            throw error
        }
    }

    /// The session never started (its `session.end` clears the note when the sink writes it).
    public func sessionClosed(_ sessionID: String) {
        Self.clearOpenSession(sessionID, in: spool, logger: logger)
    }

    private static func clearOpenSession(_ sessionID: String, in spool: AuditSpool, logger: Logger) {
        do {
            try spool.store.delete(kind: Self.openSessionKind, name: sessionID)
        } catch where error.code == .notFound {
            // Never noted: the spool refused the note and the node is set to `continue`.
        } catch {
            logger.warning("cannot clear a closed session's note in the spool; it is closed again at the next start", metadata: [
                "session_id": "\(sessionID)", "error": "\(error.message)",
            ])
        }
    }

    /// At start: writes `session.end` (`reason: node restarted`) for each
    /// session the node was serving when it stopped without ending them (a
    /// crash, kill -9, power loss); their recordings keep what was flushed
    /// and are marked incomplete. Returns the sessions closed.
    @discardableResult
    public func closeInterruptedSessions() throws(TetherError) -> [String] {
        var closed: [String] = []
        for note in try spool.store.list(kind: Self.openSessionKind) {
            let sessionID = note.name
            let ended = try !spool.store.search(AuditQuery(types: [EventType.sessionEnd], sessionID: sessionID, limit: 1)).isEmpty
            if !ended, let start = try spool.store.search(AuditQuery(types: [EventType.sessionStart], sessionID: sessionID, limit: 1)).first {
                try record([start.event.interruptedSessionEnd(reason: "node restarted", at: clock.now())])
                closed.append(sessionID)
            }
            try spool.store.delete(kind: Self.openSessionKind, name: sessionID)
        }
        if !closed.isEmpty {
            logger.warning("closed sessions the node stopped serving without ending them", metadata: ["sessions": "\(closed.joined(separator: ","))"])
        }
        return closed
    }
}

/// A recorder's chunks go through the auditor's sink, so no event loop
/// waits for them and their failures are logged and counted like any other
/// event's. `append` only queues: it returns no seqs.
private struct RecorderLog: AuditLog {
    let auditor: NodeAuditor
    let failed: @Sendable (TetherError) -> Void

    func append(_ events: [AuditEvent]) throws(TetherError) -> [Int64] {
        auditor.sink.submit(events) { [failed] result in
            if case .failure(let error) = result { failed(error) }
        }
        return []
    }

    func search(_ query: AuditQuery) throws(TetherError) -> [AuditRecord] { try auditor.spool.store.search(query) }
    func verify() throws(TetherError) -> AuditVerification { try auditor.spool.store.verify() }
}

/// Appends to the spool, preceded by an `audit.lost` event for what
/// earlier writes (`record`'s, counted here, and the sink's, handed in)
/// could not write; shared by `record` and the sink's writer.
private struct SpoolAppender: Sendable {
    let spool: AuditSpool
    let cluster: String
    let nodeName: String
    let labels: NodeLabels
    let clock: any WallClock
    /// What `record` could not write since the spool last took a write.
    private let failed = NIOLockedValueBox<AuditLoss?>(nil)

    init(spool: AuditSpool, cluster: String, nodeName: String, labels: NodeLabels, clock: any WallClock) {
        self.spool = spool
        self.cluster = cluster
        self.nodeName = nodeName
        self.labels = labels
        self.clock = clock
    }

    func count(_ loss: AuditLoss) {
        failed.withLockedValue { $0 = $0?.adding(loss) ?? loss }
    }

    func append(_ events: [AuditEvent], alsoLost queued: AuditLoss?) throws(TetherError) -> [Int64] {
        let recorded = failed.withLockedValue { $0 }
        let lost = queued.map { recorded?.adding($0) ?? $0 } ?? recorded
        var batch = events
        if let lost {
            batch.insert(lost.event(cluster: cluster, at: clock.now(), node: nodeName, nodeLabels: labels.current), at: 0)
        }
        let seqs = try spool.store.append(batch)
        if let recorded {
            failed.withLockedValue { failed in
                guard let current = failed else { return }
                failed = current.events > recorded.events ? AuditLoss(events: current.events - recorded.events, since: current.since, reason: current.reason) : nil
            }
        }
        return Array(seqs.suffix(events.count))
    }
}
