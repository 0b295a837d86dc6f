import ArgumentParser
import Foundation
import NIOPosix
import TetherAuth
import TetherCore
import TetherPolicy

struct CreateCommand: AsyncAdminCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create resources (role, user, trusted_cluster, lock...) from a YAML or JSON file.",
        discussion: "A trusted_cluster is created on the leaf: tetherctl then presents its token to the root proxy, and stores the trust once the root accepted it.")

    @OptionGroup var cluster: ClusterOptions
    @Flag(name: .shortAndLong, help: "Replace resources that already exist.") var force = false
    @Argument(help: "The YAML or JSON file.") var file: String

    func execute() async throws(TetherError) {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw TetherError(.notFound, "cannot read \(file); check the path.")
        }
        let resources = try ResourceDecoder.decode(text, source: (file as NSString).lastPathComponent)
        let core = try cluster.open()
        // Plain resources first: a trust's role map may name roles in the same file.
        try core.admin.create(resources.filter { $0.kind != .trustedCluster }, replace: force)
        for resource in resources where resource.kind != .trustedCluster {
            print("\(resource.kind) \"\(resource.name)\" \(force ? "written" : "created").")
        }
        for case .trustedCluster(let trust) in resources {
            switch try await core.trusts.establish(trust, replace: force, eventLoopGroup: MultiThreadedEventLoopGroup.singleton) {
            case .established(let rootPin):
                print("trusted_cluster \"\(trust.name)\" created: \(core.cluster) now trusts root cluster \(trust.name) (CA \(rootPin)); its proxy dials \(trust.spec.proxyAddr) within seconds.")
            case .updated:
                print("trusted_cluster \"\(trust.name)\" written.")
            }
        }
    }
}
