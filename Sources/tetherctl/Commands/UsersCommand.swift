import ArgumentParser
import TetherCLIKit
import TetherCore
import TetherPolicy

struct UsersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Manage local users.",
        subcommands: [Add.self, SetPassword.self, List.self, Remove.self])

    struct Add: AdminCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a user holding roles, with optional logins.")
        @OptionGroup var cluster: ClusterOptions
        @Argument(help: "The user name.") var name: String
        @Option(help: "Roles, comma separated.") var roles: String
        @Option(help: "OS logins, comma separated (the logins trait).") var logins: String?

        func execute() throws(TetherError) {
            let user = try cluster.open().users.add(name, roles: Self.split(roles), logins: Self.split(logins ?? ""))
            print("user \(user.name) added with roles \(user.spec.roles.joined(separator: ",")); set a password with tetherctl users set-password \(user.name) --password-stdin.")
        }

        static func split(_ text: String) -> [String] {
            text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }

    struct SetPassword: AdminCommand {
        static let configuration = CommandConfiguration(commandName: "set-password", abstract: "Set a user's password, read from standard input.")
        @OptionGroup var cluster: ClusterOptions
        @Argument(help: "The user name.") var name: String
        @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input (required).") var passwordStdin = false

        func execute() throws(TetherError) {
            guard passwordStdin else {
                throw TetherError(.invalidArgument, "passwords are read from standard input only; pass --password-stdin and pipe the password in.")
            }
            let password = try StandardInput.readSecretLine(purpose: "password")
            try cluster.open().users.setPassword(name, password: password)
            print("password of \(name) set.")
        }
    }

    struct List: AdminCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List users.")
        @OptionGroup var cluster: ClusterOptions
        @Option(help: "text, json or yaml.") var format: OutputFormat = .text

        func execute() throws(TetherError) {
            let users = try cluster.open().users.list()
            try Printing.emitResources(users.map(Resource.user), as: format) {
                TextTable(headers: ["NAME", "ROLES", "LOGINS"], rows: users.map {
                    [$0.name, Printing.list($0.spec.roles), Printing.list($0.spec.traits["logins"] ?? [])]
                })
            }
        }
    }

    struct Remove: AdminCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a user and their credentials.")
        @OptionGroup var cluster: ClusterOptions
        @Argument(help: "The user name.") var name: String

        func execute() throws(TetherError) {
            try cluster.open().users.remove(name)
            print("user \(name) removed.")
        }
    }
}
