import Foundation
import TetherFuzzTargets

// Built by `bench/fuzz` with -DTETHER_FUZZING, coverage and address
// sanitizer flags, this is a libFuzzer binary running the target named by
// TETHER_FUZZ_TARGET. Without that variable, or built plainly (`swift
// build`), it replays files or corpus directories through a target: the
// same code, with or without the sanitizer.
//
// SwiftPM links every executable with `main` aliased to the module's entry
// point, which rules out libFuzzer's own `main`; so the entry point calls
// libFuzzer's driver (from libclang_rt.fuzzer_no_main, which bench/fuzz links).

@main
struct TetherFuzz {
    static func main() {
        #if TETHER_FUZZING
        if ProcessInfo.processInfo.environment["TETHER_FUZZ_TARGET"] != nil { exit(Fuzzer.run()) }
        #endif
        exit(Replay.run(Array(CommandLine.arguments.dropFirst())))
    }
}

#if TETHER_FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The target this process fuzzes, read once (libFuzzer's child processes
/// inherit the environment).
private let selected: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["TETHER_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTargets.named(name) else {
        FileHandle.standardError.write(Data("TETHER_FUZZ_TARGET=\(name) names no target; one of: \(FuzzTargets.all.map(\.name).joined(separator: ", ")).\n".utf8))
        exit(2)
    }
    return target
}()

enum Fuzzer {
    static func run() -> CInt {
        _ = selected
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        return runFuzzerDriver(&argc, &argv) { data, size in
            selected.run(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }
    }
}
#endif

/// `TetherFuzz --list` | `TetherFuzz TARGET FILE|DIRECTORY…`: runs every file
/// through the target; a crash stops the replay at the file named last.
enum Replay {
    static func run(_ arguments: [String]) -> CInt {
        if arguments == ["--list"] {
            for target in FuzzTargets.all { print("\(target.name)\t\(target.summary)") }
            return 0
        }
        guard let name = arguments.first, let target = FuzzTargets.named(name), arguments.count > 1 else {
            print("usage: TetherFuzz --list | TetherFuzz TARGET FILE|DIRECTORY…  (targets: \(FuzzTargets.all.map(\.name).joined(separator: ", ")))")
            return 2
        }
        var count = 0
        for path in arguments.dropFirst() {
            for file in files(at: path) {
                guard let bytes = FileManager.default.contents(atPath: file) else {
                    print("cannot read \(file); give a readable file or directory.")
                    return 1
                }
                print("replaying \(file)")
                target.run(Array(bytes))
                count += 1
            }
        }
        print("\(target.name): \(count) inputs replayed, none crashed")
        return 0
    }

    private static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.subpathsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { path + "/" + $0 }.filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }
}
