import ArgumentParser
import Foundation
import TetherCore
import TetherPolicy

struct CreateCommand: AdminCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create resources (role, user, trusted_cluster, lock...) from a YAML or JSON file.")

    @OptionGroup var cluster: ClusterOptions
    @Flag(name: .shortAndLong, help: "Replace resources that already exist.") var force = false
    @Argument(help: "The YAML or JSON file.") var file: String

    func execute() throws(TetherError) {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw TetherError(.notFound, "cannot read \(file); check the path.")
        }
        let resources = try ResourceDecoder.decode(text, source: (file as NSString).lastPathComponent)
        try cluster.open().admin.create(resources, replace: force)
        for resource in resources {
            print("\(resource.kind) \"\(resource.name)\" \(force ? "written" : "created").")
        }
    }
}
