import TetherConfig
import TetherPolicy

extension FuzzTargets {
    static let policy = [resources, configuration]

    /// `tetherctl create -f`: YAML documents or JSON through the strict
    /// decoder (unknown fields refused) and every resource's validation.
    static let resources = FuzzTarget("resources", "resources in YAML or JSON through the strict decoder and validation") { bytes in
        guard let decoded = try? ResourceDecoder.decode(text(bytes), source: "fuzz.yaml") else { return }
        _ = try? ResourceEncoder.yaml(decoded)
        _ = try? ResourceEncoder.json(decoded)
    }

    /// tetherd's configuration file.
    static let configuration = FuzzTarget("config", "the tetherd configuration file") { bytes in
        _ = try? TetherdConfiguration.parse(text(bytes), source: "tetherd.yaml")
    }
}
