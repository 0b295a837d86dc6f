import Foundation
import Testing
import TetherFuzzTargets

/// Every fuzz target replays its seed corpus (Fuzz/corpus/NAME) and every
/// input that once crashed it (Fuzz/regressions/NAME): a crash, a broken
/// property or an address the sanitizer would flag fails `swift test` the
/// way it failed the fuzzer.
@Suite struct FuzzReplayTests {
    static let fuzzDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func inputs(_ folder: String, of target: FuzzTarget) -> [URL] {
        let directory = fuzzDirectory.appendingPathComponent(folder).appendingPathComponent(target.name)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().map { directory.appendingPathComponent($0) }
    }

    @Test(arguments: FuzzTargets.all.map(\.name))
    func seedsAndRegressionsReplay(target name: String) throws {
        let target = try #require(FuzzTargets.named(name))
        let seeds = Self.inputs("corpus", of: target)
        #expect(!seeds.isEmpty, "Fuzz/corpus/\(name) holds no seed; add a small valid input")
        for file in seeds + Self.inputs("regressions", of: target) {
            target.run(Array(try Data(contentsOf: file)))
        }
    }

    @Test func everyCorpusFolderNamesATarget() throws {
        for folder in ["corpus", "regressions"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: Self.fuzzDirectory.appendingPathComponent(folder).path)) ?? []
            for name in names where !name.hasPrefix(".") {
                #expect(FuzzTargets.named(name) != nil, "Fuzz/\(folder)/\(name) names no fuzz target")
            }
        }
    }
}
