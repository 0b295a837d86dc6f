import Foundation
import TetherAPI
import TetherCore
import TetherIdentity
import TetherStorage

/// Recorded sessions for `tether play`: to their own user (the same name
/// from the same cluster: a root's alice does not own a local alice's
/// sessions), or to roles allowed verb `read` on resource `session`. A
/// session this cluster never recorded is not found, for anyone: there is
/// nothing to refuse, so nothing is audited.
public struct SessionPlaybackService: Sendable {
    let log: any AuditLog
    let resources: ClusterResources
    let audit: AuditTrail
    let clock: any WallClock

    public func playback(sessionID: String, for user: TLSIdentity, remoteAddress: String?) throws(TetherError) -> SessionPlayback {
        try SessionRecording.requireRecorded(sessionID: sessionID, in: log)
        let start = try log.search(AuditQuery(types: ["session.start"], sessionID: sessionID, limit: 1)).first
        let isOwner = start.map { $0.event.user == user.name && $0.event.originCluster == user.originCluster } ?? false
        if !isOwner {
            let checker = try resources.accessChecker(user: user.name, roleNames: user.roles, traits: [:], clock: clock)
            if case .denied(let reason) = checker.checkRule(resource: "session", verb: "read") {
                try audit.refusal(reason, user: user.name, remoteAddress: remoteAddress) { event in
                    event.sessionID = sessionID
                    event.originCluster = user.originCluster
                }
                let who = user.name + (user.originCluster.map { " of cluster \($0)" } ?? "")
                throw TetherError(.accessDenied, "\(who) may not replay session \(sessionID): \(reason).")
            }
        }
        let frames = try SessionRecording.load(sessionID: sessionID, from: log)
        return SessionPlayback(sessionID: sessionID, frames: frames.map(Self.frame), incomplete: try incompleteness(of: sessionID, frames))
    }

    /// Why a recording without its end frame stops where it does.
    private func incompleteness(of sessionID: String, _ frames: [RecordingFrame]) throws(TetherError) -> String? {
        guard !frames.contains(where: { if case .end = $0.kind { true } else { false } }) else { return nil }
        let end = try log.search(AuditQuery(types: ["session.end"], sessionID: sessionID, limit: 1)).first
        guard let reason = end?.event.fields["reason"]?.stringValue else {
            return "the recording of session \(sessionID) has no end yet: the session is still running, or its node stopped and has not reported since; this is what was saved so far."
        }
        return "the recording of session \(sessionID) is incomplete (\(reason)): it stops at the last output its node saved."
    }

    private static func frame(_ frame: RecordingFrame) -> SessionPlayback.Frame {
        let offset = frame.offsetMilliseconds
        switch frame.kind {
        case .start(_, _, _, let size):
            return .init(kind: "start", offsetMilliseconds: offset, columns: Int(size.columns), rows: Int(size.rows))
        case .output(let bytes):
            return .init(kind: "output", offsetMilliseconds: offset, data: Data(bytes).base64EncodedString())
        case .input(let bytes):
            return .init(kind: "input", offsetMilliseconds: offset, data: Data(bytes).base64EncodedString())
        case .resize(let size):
            return .init(kind: "resize", offsetMilliseconds: offset, columns: Int(size.columns), rows: Int(size.rows))
        case .end(let status):
            return .init(kind: "end", offsetMilliseconds: offset, exitStatus: status.map(Int.init))
        }
    }
}
