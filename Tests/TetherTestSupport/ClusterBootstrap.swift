import Foundation

/// What the test clusters do with `tetherctl`, the way an operator would:
/// roles and users with passwords before the first start, join and trust
/// tokens, and the files a node or a leaf needs. `tetherctl` runs the
/// binary against the cluster's configuration, wherever that cluster lives
/// (127.0.0.1 or a network namespace).
public struct ClusterBootstrap {
    public typealias Tetherctl = (_ arguments: [String], _ stdin: String?) async throws -> CommandResult

    public let tetherctl: Tetherctl

    public init(tetherctl: @escaping Tetherctl) { self.tetherctl = tetherctl }

    /// Creates the roles in `rolesFile`, then each user with `role`, `login`
    /// and `password`; returns the cluster CA's pin from `tetherctl status`.
    public func prepare(rolesFile: String, users: [(name: String, role: String)], login: String, password: String) async throws -> String {
        try Self.expectSuccess(try await tetherctl(["create", rolesFile], nil), "create roles")
        for (user, role) in users {
            try Self.expectSuccess(try await tetherctl(["users", "add", user, "--roles", role, "--logins", login], nil), "users add \(user)")
            try Self.expectSuccess(try await tetherctl(["users", "set-password", user, "--password-stdin"], password + "\n"), "set-password \(user)")
        }
        let status = try await tetherctl(["status", "--format", "json"], nil)
        try Self.expectSuccess(status, "status")
        guard let pin = status.stdout.range(of: #"sha256:[0-9a-f]{64}"#, options: .regularExpression).map({ String(status.stdout[$0]) }) else {
            throw SupportError("tetherctl status printed no CA pin: \(status.stdout)")
        }
        return pin
    }

    /// A fresh single-use token of `type` (`node` or `trusted_cluster`).
    public func token(_ type: String) async throws -> String {
        let token = try await tetherctl(["tokens", "add", "--type", type, "--ttl", "15m", "--format", "text"], nil)
        try Self.expectSuccess(token, "tokens add --type \(type)")
        return token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A node's tetherd configuration; `reach` is its `proxy_server: …` line
    /// (tunnel node) or its `auth_server:` and `listen:` lines (direct node).
    public func nodeConfiguration(
        name: String, dataDirectory: String, labels: String, reach: String, caPin: String,
        keepalive: String = "1s", maxBackoff: String = "2s"
    ) async throws -> String {
        """
        data_dir: \(dataDirectory)
        node:
          name: \(name)
          labels: \(labels)
          \(reach)
          join_token: \(try await token("node"))
          ca_pin: \(caPin)
          keepalive_interval: \(keepalive)
          max_backoff: \(maxBackoff)
        """
    }

    /// A leaf's `trusted_cluster` naming `root`; without a token it can only
    /// rewrite a trust already established.
    public static func trustedCluster(
        root: String, token: String?, proxyAddress: String, caPin: String, roleMap: String, enabled: Bool = true
    ) -> String {
        """
        kind: trusted_cluster
        version: v1
        metadata: {name: \(root)}
        spec:
          enabled: \(enabled)
          \(token.map { "token: \($0)" } ?? "")
          proxy_addr: \(proxyAddress)
          ca_pin: \(caPin)
          role_map:
            \(roleMap)
        """
    }

    public static func expectSuccess(_ result: CommandResult, _ what: String) throws {
        guard result.status == 0 else { throw SupportError("\(what) failed (\(result.status)): \(result.stderr)") }
    }
}
