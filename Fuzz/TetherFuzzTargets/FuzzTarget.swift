/// One parser of untrusted bytes, driven by libFuzzer (`bench/fuzz`) and by
/// the regression suite, which replays every seed and past crash through it.
/// A target returns normally for any input: a parser that refuses bytes
/// throws, which is fine; one that traps, hangs or trips an address
/// sanitizer check is the bug being hunted. Targets touch no files and no
/// network, and each one is a thin call into the real entry point, so it
/// can be repointed when that entry point moves.
public struct FuzzTarget: Sendable {
    public let name: String
    public let summary: String
    public let run: @Sendable (UnsafeRawBufferPointer) -> Void

    init(_ name: String, _ summary: String, run: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) {
        self.name = name
        self.summary = summary
        self.run = run
    }

    /// Runs the target on `bytes` (for replays).
    public func run(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { run($0) }
    }
}

public enum FuzzTargets {
    /// Every target, by the name `bench/fuzz` and `Fuzz/corpus/NAME` use.
    public static let all: [FuzzTarget] = identity + policy + api + storage + internals

    public static func named(_ name: String) -> FuzzTarget? {
        all.first { $0.name == name }
    }
}

/// A fuzzer's input seen as text, the way a file or header arrives: any
/// bytes, invalid UTF-8 repaired the way `String(decoding:)` does on read.
func text(_ bytes: UnsafeRawBufferPointer) -> String {
    String(decoding: bytes, as: UTF8.self)
}

/// A property the parser promised and broke: as fatal as a crash, so the
/// fuzzer stops and keeps the input.
func require(_ condition: Bool, _ what: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !condition { fatalError("fuzz property broken: \(what())", file: file, line: line) }
}
