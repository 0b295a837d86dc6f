import TetherCore

/// `[LOGIN@]NODE` as typed after `tether ssh`.
public struct SSHDestination: Sendable, Equatable {
    public var login: String?
    public var node: String

    public init(login: String?, node: String) {
        self.login = login
        self.node = node
    }

    public init(parsing text: String) throws(TetherError) {
        let invalid = TetherError(.invalidArgument, "\"\(text)\" is not a destination; write NODE or LOGIN@NODE.")
        guard let at = text.lastIndex(of: "@") else {
            guard !text.isEmpty else { throw invalid }
            self.init(login: nil, node: text)
            return
        }
        let login = String(text[..<at])
        let node = String(text[text.index(after: at)...])
        guard !login.isEmpty, !node.isEmpty else { throw invalid }
        self.init(login: login, node: node)
    }

    /// `-l` wins, then `LOGIN@`, then the local user, as with ssh.
    public func login(flag: String?, localUser: String) -> String {
        flag ?? login ?? localUser
    }
}

/// `LOGIN@HOST:PORT` as stock ssh passes it to the ProxyCommand
/// (`%r@%h:%p`). HOST may carry the `.CLUSTER` suffix from `tether config`'s
/// `Host *.CLUSTER` pattern; the node's name is HOST without it. The port
/// means nothing here: the proxy routes by node name.
public struct ProxyDestination: Sendable, Equatable {
    public var login: String
    public var node: String

    public init(parsing text: String, cluster: String) throws(TetherError) {
        let invalid = TetherError(.invalidArgument, "\"\(text)\" is not of the form LOGIN@NODE:PORT, as ProxyCommand's %r@%h:%p gives it.")
        guard let at = text.lastIndex(of: "@") else { throw invalid }
        let login = String(text[..<at])
        var host = String(text[text.index(after: at)...])
        if let colon = host.lastIndex(of: ":"), host[host.index(after: colon)...].allSatisfy(\.isNumber) {
            host = String(host[..<colon])
        }
        let suffix = "." + cluster
        if host.lowercased().hasSuffix(suffix.lowercased()) { host = String(host.dropLast(suffix.count)) }
        guard !login.isEmpty, !host.isEmpty else { throw invalid }
        self.login = login
        self.node = host
    }
}
