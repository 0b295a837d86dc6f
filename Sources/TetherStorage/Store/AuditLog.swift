import TetherCore

/// The cluster's append-only, hash-chained audit log.
public protocol AuditLog: Sendable {
    /// Appends `events` in one transaction, in order, and returns their seqs.
    /// The chain position is taken inside the transaction, so several
    /// processes may append to the same log concurrently.
    @discardableResult
    func append(_ events: [AuditEvent]) throws(TetherError) -> [Int64]
    /// The records matching `query`.
    func search(_ query: AuditQuery) throws(TetherError) -> [AuditRecord]
    /// Walks the whole chain in order, reporting the first broken record.
    func verify() throws(TetherError) -> AuditVerification
}

extension AuditLog {
    /// Appends one event and returns its seq.
    @discardableResult
    public func append(_ event: AuditEvent) throws(TetherError) -> Int64 {
        let seqs = try append([event])
        guard let seq = seqs.first else {
            throw TetherError(.internal, "appending one audit event returned no sequence number.")
        }
        return seq
    }
}

/// Everything the services persist; one backend implements all of it.
public typealias TetherStore = ResourceStore & AuditLog
