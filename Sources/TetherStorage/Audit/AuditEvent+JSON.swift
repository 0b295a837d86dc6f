import TetherCore

extension AuditEvent {
    /// JSON keys of the common fields; `fields` may not reuse them.
    static let reservedKeys: Set<String> = [
        "event", "time", "cluster", "uid", "user", "login", "node", "node_labels", "session_id",
        "remote_addr", "roles", "origin_cluster", "origin_roles", AuditRecord.seqKey,
    ]

    /// The event as a JSON object with snake_case keys; absent optionals are
    /// left out rather than written as null.
    public var jsonObject: [String: JSONValue] {
        var object = fields
        object["event"] = .string(event)
        object["time"] = .string(EventTime.format(milliseconds: timeMilliseconds))
        object["cluster"] = .string(cluster)
        object["uid"] = .string(uid)
        object["user"] = user.map(JSONValue.string)
        object["login"] = login.map(JSONValue.string)
        object["node"] = node.map(JSONValue.string)
        object["node_labels"] = nodeLabels.map { .object($0.mapValues(JSONValue.string)) }
        object["session_id"] = sessionID.map(JSONValue.string)
        object["remote_addr"] = remoteAddr.map(JSONValue.string)
        object["roles"] = roles.map { .array($0.map(JSONValue.string)) }
        object["origin_cluster"] = originCluster.map(JSONValue.string)
        object["origin_roles"] = originRoles.map { .array($0.map(JSONValue.string)) }
        return object
    }

    /// Rejects events that cannot be stored faithfully: empty type, cluster or
    /// uid, or an extra field reusing a common key.
    func validate() throws(TetherError) {
        for (name, value) in [("event", event), ("cluster", cluster), ("uid", uid)] where value.isEmpty {
            throw TetherError(.invalidArgument, "an audit event has an empty \"\(name)\"; every event needs an event type, a cluster and a uid.")
        }
        if let clash = fields.keys.first(where: Self.reservedKeys.contains) {
            throw TetherError(.invalidArgument, "audit event \(event) has an extra field \"\(clash)\" that clashes with a common field; rename it.")
        }
    }

    /// Reads an event back from its JSON object (the inverse of `jsonObject`,
    /// ignoring `seq`).
    init(jsonObject object: [String: JSONValue]) throws(TetherError) {
        var reader = FieldReader(object: object)
        let event = try reader.requiredString("event")
        let timeText = try reader.requiredString("time")
        self.init(event: event, time: .distantPast, cluster: try reader.requiredString("cluster"), uid: try reader.requiredString("uid"))
        timeMilliseconds = try EventTime.parse(timeText)
        user = try reader.string("user")
        login = try reader.string("login")
        node = try reader.string("node")
        nodeLabels = try reader.stringMap("node_labels")
        sessionID = try reader.string("session_id")
        remoteAddr = try reader.string("remote_addr")
        roles = try reader.stringArray("roles")
        originCluster = try reader.string("origin_cluster")
        originRoles = try reader.stringArray("origin_roles")
        fields = reader.remaining.filter { $0.key != AuditRecord.seqKey }
    }
}

/// Takes typed common fields out of an event object; whatever is left over
/// becomes the event's extra fields.
private struct FieldReader {
    var remaining: [String: JSONValue]

    init(object: [String: JSONValue]) { remaining = object }

    private func wrongType(_ key: String, _ expected: String) -> TetherError {
        TetherError(.malformed, "audit event field \"\(key)\" should be \(expected).")
    }

    mutating func string(_ key: String) throws(TetherError) -> String? {
        guard let value = remaining.removeValue(forKey: key) else { return nil }
        guard case .string(let text) = value else { throw wrongType(key, "a string") }
        return text
    }

    mutating func requiredString(_ key: String) throws(TetherError) -> String {
        guard let text = try string(key) else {
            throw TetherError(.malformed, "audit event lacks the required field \"\(key)\".")
        }
        return text
    }

    mutating func stringArray(_ key: String) throws(TetherError) -> [String]? {
        guard let value = remaining.removeValue(forKey: key) else { return nil }
        guard case .array(let elements) = value else { throw wrongType(key, "an array of strings") }
        var strings: [String] = []
        for element in elements {
            guard case .string(let text) = element else { throw wrongType(key, "an array of strings") }
            strings.append(text)
        }
        return strings
    }

    mutating func stringMap(_ key: String) throws(TetherError) -> [String: String]? {
        guard let value = remaining.removeValue(forKey: key) else { return nil }
        guard case .object(let members) = value else { throw wrongType(key, "an object of strings") }
        var map: [String: String] = [:]
        for (name, member) in members {
            guard case .string(let text) = member else { throw wrongType(key, "an object of strings") }
            map[name] = text
        }
        return map
    }
}
