/// The outcome of walking the audit hash chain from the first record.
public enum AuditVerification: Sendable, Hashable, CustomStringConvertible {
    /// Every record links to its predecessor. `head` is the last record's hash
    /// (the genesis hash for an empty log): write it down elsewhere to detect a
    /// later truncation, which the chain alone cannot reveal.
    case intact(count: Int64, head: AuditHash)
    /// The first record found broken; records after it were not checked.
    case broken(seq: Int64, reason: AuditChainBreak)

    public var isIntact: Bool { recordCount != nil }

    /// The number of records when the chain is intact, else nil.
    public var recordCount: Int64? {
        if case .intact(let count, _) = self { return count }
        return nil
    }

    public var description: String {
        switch self {
        case .intact(let count, let head):
            "audit log intact: \(count) records, head hash \(head.hex)"
        case .broken(let seq, let reason):
            "audit log broken at record \(seq): \(reason)"
        }
    }
}

/// Why a record breaks the chain.
public enum AuditChainBreak: Sendable, Hashable, CustomStringConvertible {
    /// The stored hash is not SHA-256(previous hash ‖ record JSON): the record,
    /// or one before it, was altered.
    case hashMismatch
    /// No record with this seq exists although later ones do: it was deleted.
    case missing
    /// The row cannot be read as an audit record.
    case unparsable(String)
    /// A searchable column disagrees with the hashed JSON (edited to mislead searches).
    case columnMismatch(column: String)

    public var description: String {
        switch self {
        case .hashMismatch: "its hash does not match its content and the previous hash (the record was altered)"
        case .missing: "the record is missing (deleted), although later records exist"
        case .unparsable(let detail): "the row cannot be read (\(detail))"
        case .columnMismatch(let column): "its \(column) column disagrees with its hashed JSON"
        }
    }
}
