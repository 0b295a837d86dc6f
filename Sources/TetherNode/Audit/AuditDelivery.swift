import Logging
import TetherAPI
import TetherCore
import TetherStorage
import TetherTunnel

/// Moves spooled events to the auth service in order, in batches, and
/// advances the spool's cursor only as far as auth confirms. Auth dedups by
/// (host, spool seq), so resending after a lost answer never duplicates.
public struct AuditDelivery: Sendable {
    public let spool: AuditSpool
    public let api: any NodeClusterAPI
    public let hostID: String
    public let batchSize: Int

    public init(spool: AuditSpool, api: any NodeClusterAPI, hostID: String, batchSize: Int = 256) {
        self.spool = spool
        self.api = api
        self.hostID = hostID
        self.batchSize = max(1, batchSize)
    }

    /// Uploads everything pending, batch after batch; returns how many events
    /// auth confirmed. Stops at the first failure, leaving the rest pending.
    @discardableResult
    public func deliverPending() async throws(TetherError) -> Int {
        var delivered = 0
        while true {
            let batch = try spool.pending(limit: batchSize)
            guard let first = batch.first, let last = batch.last else { return delivered }
            let upload = AuditUpload(hostID: hostID, spoolEpoch: spool.epoch, events: batch.map {
                AuditUpload.SpooledEvent(spoolSeq: $0.seq, json: String(decoding: CanonicalJSON.encode(.object($0.event.jsonObject)), as: UTF8.self))
            })
            let answer = try await api.uploadAudit(upload)
            let confirmed = min(answer.storedThrough, last.seq)
            guard confirmed >= first.seq else {
                throw TetherError(.unavailable, "the auth service stored none of audit events \(first.seq)…\(last.seq) (it confirmed up to \(answer.storedThrough)); retrying later.")
            }
            try spool.markDelivered(through: confirmed)
            delivered += Int(confirmed - first.seq + 1)
        }
    }

    /// Delivers until cancelled: polls every `idle` while there is nothing to
    /// send and backs off (jittered, exponential) while auth is unreachable.
    public func run(idle: Duration = .seconds(1), backoff: ReconnectBackoff = ReconnectBackoff(initial: .milliseconds(500), cap: .seconds(30)), logger: Logger) async {
        var backoff = backoff
        await repeatUntilCancelled {
            do throws(TetherError) {
                try await deliverPending()
                backoff.reset()
                return idle
            } catch {
                let delay = backoff.nextDelay()
                logger.warning("audit upload failed; events stay in the spool", metadata: ["error": "\(error.message)", "retry_in": "\(delay)"])
                return delay
            }
        }
    }
}
