import Logging
import TetherAPI
import TetherCore
import TetherStorage

/// Events from nodes' spools, stored exactly once and in order. A node
/// speaks only for itself: its events are stamped with the node name and
/// host ID its certificate and registration say (whatever it sent), only
/// the types a node writes are accepted, and a removed node's uploads are
/// refused.
public struct AuditIngestion: Sendable {
    let cluster: String
    let store: SQLiteStore
    let resources: ClusterResources
    let audit: AuditTrail
    var logger = Logger(label: "tether.auth")

    /// Most events accepted in one upload.
    public static let maximumBatch = 1000

    /// What a node may upload: what it writes to its spool.
    static let nodeEventTypes = NodeEventType.all.union([SessionRecorder.eventType])

    /// Auth's own events about a node's spool.
    public enum EventType {
        /// Spool seqs that never arrived, or a spool created anew.
        public static let spoolGap = "audit.gap"
    }

    public func ingest(_ upload: AuditUpload, from hostID: String, remoteAddress: String?) throws(TetherError) -> AuditUploadResponse {
        guard upload.hostID == hostID else {
            let reason = "host \(hostID) uploaded audit events for host \(upload.hostID)"
            try audit.refusal(reason, remoteAddress: remoteAddress)
            throw TetherError(.accessDenied, reason + "; a node may only upload its own spool.")
        }
        let node = try RegisteredHosts(resources: resources, audit: audit).node(hostID: hostID, remoteAddress: remoteAddress, "uploaded audit events")
        guard upload.events.count <= Self.maximumBatch else {
            throw TetherError(.invalidArgument, "an upload holds \(upload.events.count) events, more than \(Self.maximumBatch); send smaller batches.")
        }
        var events: [SpooledAuditEvent] = []
        events.reserveCapacity(upload.events.count)
        for spooled in upload.events {
            var event: AuditEvent
            do {
                event = try AuditEvent(json: Array(spooled.json.utf8))
            } catch {
                throw TetherError(.invalidArgument, "spooled event \(spooled.spoolSeq) is not a valid audit event: \(error.message)")
            }
            guard event.cluster == cluster else {
                let reason = "host \(hostID) uploaded an event of cluster \(event.cluster) to cluster \(cluster)"
                try audit.refusal(reason, remoteAddress: remoteAddress) { $0.node = node.name }
                throw TetherError(.accessDenied, reason + "; events are kept by the cluster they happened in.")
            }
            guard Self.nodeEventTypes.contains(event.event) else {
                let reason = "node \(node.name) (host \(hostID)) uploaded a \(event.event) event, which nodes do not write"
                try audit.refusal(reason, remoteAddress: remoteAddress) { $0.node = node.name }
                throw TetherError(.accessDenied, reason + "; a node uploads only its own session, exec, file transfer, port forward and auth.failed events.")
            }
            event.node = node.name
            event.fields["host_id"] = .string(hostID)
            events.append(SpooledAuditEvent(spoolSeq: spooled.spoolSeq, event: event))
        }
        let stored = try store.appendSpooled(events, from: hostID, epoch: upload.spoolEpoch) { discontinuity in
            [gapEvent(discontinuity, node: node.name, hostID: hostID, epoch: upload.spoolEpoch)]
        }
        if let discontinuity = stored.discontinuity {
            logger.error("audit events of a node are missing", metadata: [
                "node": "\(node.name)", "host_id": "\(hostID)", "spool_epoch": "\(upload.spoolEpoch)",
                "previous_epoch": "\(discontinuity.previousEpoch ?? "")",
                "missing": "\(discontinuity.missing.map { "\($0.lowerBound)…\($0.upperBound)" } ?? "none")",
            ])
        }
        return AuditUploadResponse(storedThrough: stored.storedThrough)
    }

    /// `audit.gap`: which of the node's events will never arrive.
    private func gapEvent(_ discontinuity: SpoolDiscontinuity, node: String, hostID: String, epoch: String) -> AuditEvent {
        var event = AuditEvent(event: EventType.spoolGap, time: audit.clock.now(), cluster: cluster, node: node)
        event.fields["host_id"] = .string(hostID)
        event.fields["spool_epoch"] = .string(epoch)
        if let missing = discontinuity.missing {
            event.fields["missing_from"] = .number(missing.lowerBound)
            event.fields["missing_to"] = .number(missing.upperBound)
        }
        if let previous = discontinuity.previousEpoch {
            // Whatever that spool held past this seq was never delivered, and cannot be counted.
            event.fields["previous_epoch"] = .string(previous)
            event.fields["previous_stored_through"] = .number(discontinuity.previousStoredThrough)
        }
        return event
    }
}
