import TetherCore

extension AuditEvent {
    /// Reads an event from its JSON object text (as `jsonObject` writes it,
    /// e.g. a node's spooled event). A `seq` key, if present, is ignored.
    public init(json bytes: some Collection<UInt8>) throws(TetherError) {
        guard case .object(let object) = try JSONParser.parse(bytes) else {
            throw TetherError(.malformed, "an audit event must be a JSON object.")
        }
        try self.init(jsonObject: object)
        try validate()
    }
}
