import TetherAPI
import TetherCore
import TetherStorage

/// Events from nodes' spools, stored exactly once and in order.
public struct AuditIngestion: Sendable {
    let cluster: String
    let store: SQLiteStore
    let audit: AuditTrail

    /// Most events accepted in one upload.
    public static let maximumBatch = 1000

    public func ingest(_ upload: AuditUpload, from hostID: String, remoteAddress: String?) throws(TetherError) -> AuditUploadResponse {
        guard upload.hostID == hostID else {
            let reason = "host \(hostID) uploaded audit events for host \(upload.hostID)"
            try audit.refusal(reason, remoteAddress: remoteAddress)
            throw TetherError(.accessDenied, reason + "; a node may only upload its own spool.")
        }
        guard upload.events.count <= Self.maximumBatch else {
            throw TetherError(.invalidArgument, "an upload holds \(upload.events.count) events, more than \(Self.maximumBatch); send smaller batches.")
        }
        var events: [SpooledAuditEvent] = []
        events.reserveCapacity(upload.events.count)
        for spooled in upload.events {
            let event: AuditEvent
            do {
                event = try AuditEvent(json: Array(spooled.json.utf8))
            } catch {
                throw TetherError(.invalidArgument, "spooled event \(spooled.spoolSeq) is not a valid audit event: \(error.message)")
            }
            guard event.cluster == cluster else {
                let reason = "host \(hostID) uploaded an event of cluster \(event.cluster) to cluster \(cluster)"
                try audit.refusal(reason, remoteAddress: remoteAddress)
                throw TetherError(.accessDenied, reason + "; events are kept by the cluster they happened in.")
            }
            events.append(SpooledAuditEvent(spoolSeq: spooled.spoolSeq, event: event))
        }
        return AuditUploadResponse(storedThrough: try store.appendSpooled(events, from: hostID))
    }
}
