import ArgumentParser
import TetherCLIKit
import TetherCore
import TetherPolicy

struct GetCommand: AdminCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Show resources: roles, users, nodes, tokens, trusted_clusters, remote_clusters, cas, locks.")

    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "The kind, e.g. roles.") var kind: String
    @Argument(help: "Only the resource with this name.") var name: String?
    @Option(help: "text, json or yaml.") var format: OutputFormat = .text

    func execute() throws(TetherError) {
        guard let resourceKind = ResourceKind(argument: kind) else {
            let known = ResourceKind.allCases.map(\.plural).joined(separator: ", ")
            throw TetherError(.invalidArgument, "\"\(kind)\" is not a kind of resource; use one of \(known).")
        }
        let resources = try cluster.open().admin.get(resourceKind, name: name)
        try Printing.emitResources(resources, as: format) {
            TextTable(headers: ["NAME", "DETAILS"], rows: resources.map { [$0.name, ResourceSummary.describe($0)] })
        }
    }
}

/// One line about a resource for text listings.
enum ResourceSummary {
    static func describe(_ resource: Resource) -> String {
        switch resource {
        case .role(let role):
            "logins=\(Printing.list(role.spec.allow.logins)) max_session_ttl=\(role.spec.options.maxSessionTTL)"
        case .user(let user):
            "roles=\(Printing.list(user.spec.roles)) logins=\(Printing.list(user.spec.traits["logins"] ?? []))"
        case .token(let token):
            "type=\(token.spec.type.rawValue) reusable=\(token.spec.reusable) expires=\(Printing.time(token.metadata.expires))"
        case .trustedCluster(let trusted):
            "proxy=\(trusted.spec.proxyAddr) enabled=\(trusted.spec.enabled)"
        case .remoteCluster:
            "remote cluster"
        case .node(let node):
            "host_id=\(node.spec.hostID ?? "-") labels=\(LabelText.format(node.target.labels)) last_seen=\(Printing.time(node.spec.lastSeen))"
        case .certAuthority(let ca):
            "type=\(ca.spec.type.rawValue) cluster=\(ca.spec.cluster)"
        case .lock(let lock):
            "target=\(target(lock.spec.target))" + (lock.spec.origin.map { " origin=\($0)" } ?? "") + " expires=\(Printing.time(lock.metadata.expires))" + (lock.spec.message.map { " message=\($0)" } ?? "")
        }
    }

    private static func target(_ target: LockSpec.Target) -> String {
        switch target {
        case .user(let name): "user:\(name)"
        case .node(let name): "node:\(name)"
        }
    }
}
