import Foundation

/// Where the repository's topology files and the built binaries are, for
/// tests that check or run what `topology/` ships.
enum RepositoryPaths {
    /// The repository root, found from this file's location.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let topology = root.appendingPathComponent("topology")

    /// The directory holding the test bundle, beside `tetherd`, `tetherctl` and `tether`.
    static let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
}
