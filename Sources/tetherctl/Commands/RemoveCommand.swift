import ArgumentParser
import TetherCore
import TetherPolicy

struct RemoveCommand: AdminCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a resource, written KIND/NAME (e.g. role/acme-tech).")

    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "KIND/NAME.") var resource: String

    func execute() throws(TetherError) {
        let parts = resource.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, let kind = ResourceKind(argument: parts[0]) else {
            throw TetherError(.invalidArgument, "\"\(resource)\" is not KIND/NAME; write e.g. role/acme-tech or lock/lock-1a2b3c4d.")
        }
        let core = try cluster.open()
        switch kind {
        case .user: try core.users.remove(parts[1])
        case .token: try core.tokens.remove(parts[1])
        default: try core.admin.remove(kind, name: parts[1])
        }
        print("\(kind) \"\(parts[1])\" removed.")
    }
}
