import ArgumentParser
import TetherCore
import TetherPolicy

struct LockCommand: AdminCommand {
    static let configuration = CommandConfiguration(commandName: "lock", abstract: "Lock a user or a node out.")

    @OptionGroup var cluster: ClusterOptions
    @Option(help: "The user to lock.") var user: String?
    @Option(help: "With --user: the trusted root cluster the user belongs to (a root user's sessions here).") var origin: String?
    @Option(help: "The node to lock.") var node: String?
    @Option(help: "How long, e.g. 1h; without it the lock lasts until removed.") var ttl: String?
    @Option(help: "Shown to whoever is refused.") var message: String?

    func execute() throws(TetherError) {
        let target: LockSpec.Target
        switch (user, node) {
        case let (user?, nil): target = .user(user)
        case let (nil, node?): target = .node(node)
        default: throw TetherError(.invalidArgument, "give exactly one of --user NAME or --node NAME.")
        }
        if origin != nil, node != nil {
            throw TetherError(.invalidArgument, "--origin names the cluster of a locked user; use it with --user, not --node.")
        }
        let lock = try cluster.open().admin.lock(target, origin: origin, ttl: try ttl.map { (text: String) throws(TetherError) -> TimeSpan in try TimeSpan(parsing: text) }, message: message)
        print("lock \(lock.name) created; remove it with tetherctl rm lock/\(lock.name).")
    }
}
