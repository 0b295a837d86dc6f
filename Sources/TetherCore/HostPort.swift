/// A `host:port` address as operators write it (`[::1]:3080` for IPv6).
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Port 0 is refused unless `listening` (a listener may let the system pick).
    public init(parsing text: String, listening: Bool = false) throws(TetherError) {
        let invalid = TetherError(.invalidArgument, "\"\(text)\" is not host:port; write it like proxy.example.test:3080 or [::1]:3080.")
        guard let colon = text.lastIndex(of: ":"),
              let port = Int(text[text.index(after: colon)...]), ((listening ? 0 : 1)...65_535).contains(port)
        else { throw invalid }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            throw invalid  // an IPv6 host must be bracketed
        }
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" || $0 == "@" || $0 == "[" || $0 == "]" }) else {
            throw invalid
        }
        self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
