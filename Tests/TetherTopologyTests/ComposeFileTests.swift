import Foundation
import Testing
import TetherTestSupport
import Yams

/// `docker-compose.yml` runs the MSP story as containers. No Docker engine
/// runs here, so these tests check the file itself: what it mounts exists,
/// the sites are sealed the way the story says, and `docker-compose config`
/// (from PyPI, installed by .ci/run) accepts it.
@Suite struct ComposeFileTests {
    let compose: ComposeFile

    init() throws {
        compose = try ComposeFile(path: RepositoryPaths.root.appendingPathComponent("docker-compose.yml").path)
    }

    @Test func everyBuildContextHasADockerfile() throws {
        let contexts = Set(compose.services.values.compactMap(\.build))
        #expect(!contexts.isEmpty)
        for context in contexts {
            #expect(FileManager.default.fileExists(atPath: hostPath(context).appendingPathComponent("Dockerfile").path), "no Dockerfile in build context \(context)")
        }
    }

    @Test func everyBindMountedPathExists() throws {
        let mounts = compose.services.values.flatMap(\.bindMounts)
        #expect(!mounts.isEmpty)
        for mount in mounts {
            #expect(FileManager.default.fileExists(atPath: hostPath(mount.source).path), "\(mount.source) is mounted but does not exist")
        }
    }

    /// A command naming a file inside a bind mount (a script, a config) finds it there.
    @Test func everyMountedFileACommandUsesExists() throws {
        var checked = 0
        for service in compose.services.values {
            for (index, argument) in service.command.enumerated() where argument.hasPrefix("/") {
                guard let source = service.hostSource(of: argument) else { continue }
                let path = hostPath(source).path
                #expect(FileManager.default.fileExists(atPath: path), "\(service.name) uses \(argument), but \(source) does not exist")
                if index == 0 {
                    #expect(FileManager.default.isExecutableFile(atPath: path), "\(service.name) runs \(source), which is not executable")
                }
                checked += 1
            }
        }
        #expect(checked > 0)
    }

    @Test func onlyTheHubPublishesPorts() {
        let publishing = compose.services.values.filter { !$0.ports.isEmpty }.map(\.name)
        #expect(publishing == ["hub"])
        #expect(compose.services["hub"]?.ports.count == 1)
    }

    /// Devices sit on their site's internal network only, which the hub is
    /// not on: the only way to them is the tunnel they dial to their leaf.
    @Test func devicesAreOnlyOnInternalSiteNetworks() throws {
        let devices = compose.services.values.filter { $0.component == "device" }
        #expect(devices.count >= 3)
        let hub = try #require(compose.services["hub"])
        for device in devices {
            #expect(!device.networks.isEmpty, "\(device.name) is on no network")
            #expect(device.networkMode == nil, "\(device.name) sets network_mode")
            for network in device.networks {
                #expect(compose.internalNetworks.contains(network), "\(device.name) is on \(network), which is not internal")
                #expect(!hub.networks.contains(network), "\(device.name) shares \(network) with the hub")
            }
        }
    }

    /// Each leaf reaches the hub over a network they share, and its devices over its site network.
    @Test func leavesBridgeTheirSiteAndTheUplink() throws {
        let hub = try #require(compose.services["hub"])
        let leaves = compose.services.values.filter { $0.component == "leaf" }
        #expect(leaves.count == 2)
        for leaf in leaves {
            #expect(!Set(leaf.networks).isDisjoint(with: hub.networks), "\(leaf.name) cannot reach the hub")
            #expect(leaf.networks.contains { compose.internalNetworks.contains($0) }, "\(leaf.name) is on no site network")
        }
    }

    /// Devices run the configs bootstrap.sh renders from topology/msp, one
    /// per template, so the composition and the demo tell the same story.
    @Test func devicesAndTopologyTemplatesMatch() throws {
        var fromServices: Set<String> = []
        for device in compose.services.values where device.component == "device" {
            let config = try #require(device.argument(after: "--config"), "\(device.name) names no --config")
            let parts = config.split(separator: "/").map(String.init)
            try #require(parts.count == 3 && parts[0] == "bootstrap" && parts[2].hasSuffix(".yaml"), "\(device.name) runs \(config), not /bootstrap/SITE/NAME.yaml")
            fromServices.insert("\(parts[1])/nodes/\(parts[2]).in")
        }
        let msp = RepositoryPaths.topology.appendingPathComponent("msp")
        var templates: Set<String> = []
        for site in try FileManager.default.contentsOfDirectory(atPath: msp.path) {
            let nodes = msp.appendingPathComponent(site).appendingPathComponent("nodes").path
            for file in (try? FileManager.default.contentsOfDirectory(atPath: nodes)) ?? [] where file.hasSuffix(".yaml.in") {
                templates.insert("\(site)/nodes/\(file)")
            }
        }
        #expect(fromServices == templates)
    }

    @Test(.enabled(if: DockerCompose.path != nil, "docker-compose is not installed (.ci/run installs it from PyPI); skipped `docker-compose config -q`"))
    func dockerComposeAcceptsTheFile() async throws {
        let executable = try #require(DockerCompose.path)
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let result = try await ProcessSupport.run(
            executable, ["--file", RepositoryPaths.root.appendingPathComponent("docker-compose.yml").path, "config", "--quiet"],
            in: scratch)
        #expect(result.status == 0, "docker-compose config failed: \(result.stderr)")
    }

    private func hostPath(_ relative: String) -> URL {
        relative.hasPrefix("/") ? URL(fileURLWithPath: relative) : RepositoryPaths.root.appendingPathComponent(relative).standardizedFileURL
    }
}

/// The `docker-compose` executable on PATH, if any.
enum DockerCompose {
    static let path: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "")
        .split(separator: ":")
        .map { "\($0)/docker-compose" }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// What the tests need of a Compose file, read with Yams (anchors and `<<`
/// merge keys resolved) into plain values.
struct ComposeFile: Sendable {
    struct Mount: Sendable {
        var source: String
        var target: String
    }

    struct Service: Sendable {
        var name: String
        var component: String?
        var build: String?
        var command: [String]
        var ports: [String]
        var networks: [String]
        var networkMode: String?
        /// Mounts whose source is a host path (not a named volume).
        var bindMounts: [Mount]

        /// The host path behind `containerPath`, if a bind mount provides it.
        func hostSource(of containerPath: String) -> String? {
            for mount in bindMounts {
                if containerPath == mount.target { return mount.source }
                if containerPath.hasPrefix(mount.target + "/") {
                    return mount.source + containerPath.dropFirst(mount.target.count)
                }
            }
            return nil
        }

        func argument(after flag: String) -> String? {
            guard let index = command.firstIndex(of: flag), index + 1 < command.count else { return nil }
            return command[index + 1]
        }
    }

    var services: [String: Service]
    var internalNetworks: Set<String>

    init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let root = try #require(try Yams.load(yaml: text) as? [String: Any], "\(path) is not a YAML mapping")
        let services = try #require(root["services"] as? [String: Any], "\(path) has no services")
        self.services = try services.reduce(into: [String: Service]()) { result, entry in
            let body = try #require(entry.value as? [String: Any], "service \(entry.key) is not a mapping")
            result[entry.key] = Self.service(entry.key, body)
        }
        let networks = root["networks"] as? [String: Any] ?? [:]
        internalNetworks = Set(networks.compactMap { name, body in
            (body as? [String: Any])?["internal"] as? Bool == true ? name : nil
        })
    }

    private static func service(_ name: String, _ body: [String: Any]) -> Service {
        let labels = strings(body["labels"])
        let component = labels.first { $0.hasPrefix("tether.component=") }.map { String($0.dropFirst("tether.component=".count)) }
        let build = body["build"] as? String ?? (body["build"] as? [String: Any])?["context"] as? String
        let networks = body["networks"] as? [String: Any]
        let mounts = strings(body["volumes"]).compactMap { volume -> Mount? in
            let parts = volume.split(separator: ":").map(String.init)
            guard parts.count >= 2, parts[0].hasPrefix(".") || parts[0].hasPrefix("/") else { return nil }
            return Mount(source: parts[0], target: parts[1])
        }
        return Service(
            name: name, component: component, build: build, command: strings(body["command"]),
            ports: strings(body["ports"]), networks: networks.map { Array($0.keys) } ?? strings(body["networks"]),
            networkMode: body["network_mode"] as? String, bindMounts: mounts)
    }

    /// A YAML list of scalars as strings (a missing key is an empty list).
    private static func strings(_ value: Any?) -> [String] {
        (value as? [Any] ?? []).map { "\($0)" }
    }
}
