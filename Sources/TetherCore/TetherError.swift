import Foundation

/// The one error type Tether's modules throw: a stable machine-readable
/// `code` and a `message` that is one sentence for a human, naming what was
/// wrong and, where possible, how to fix it.
public struct TetherError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The caller passed something malformed (a flag, a file, a field).
        public static let invalidArgument = Code(rawValue: "invalid_argument")
        /// Bytes that should hold a key, certificate or record could not be parsed.
        public static let malformed = Code(rawValue: "malformed")
        /// The key or algorithm is of a type Tether does not handle here.
        public static let unsupported = Code(rawValue: "unsupported")
        /// A signature, hash or chain did not verify.
        public static let verificationFailed = Code(rawValue: "verification_failed")
        /// A credential is outside its validity window.
        public static let expired = Code(rawValue: "expired")
        /// An authorization decision said no.
        public static let accessDenied = Code(rawValue: "access_denied")
        public static let notFound = Code(rawValue: "not_found")
        public static let alreadyExists = Code(rawValue: "already_exists")
        /// The storage backend failed (disk, SQLite, migrations).
        public static let storage = Code(rawValue: "storage")
        /// A peer or service could not be reached.
        public static let unavailable = Code(rawValue: "unavailable")
        /// A peer (another cluster's proxy, say) answered with something
        /// that may not be passed on: the peer is at fault, not the caller.
        public static let invalidResponse = Code(rawValue: "invalid_response")
        /// A bug or an impossible state: never expected in normal operation.
        public static let `internal` = Code(rawValue: "internal")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

extension TetherError {
    /// Another error's own words, to quote inside one of our sentences.
    /// Foundation's are sentences of their own ("The operation could not be
    /// completed. The file doesn’t exist."), whose capital and final period
    /// would start and end ours a second time; the system's reason
    /// ("no such file or directory") is said instead where it has one.
    public static func clause(_ error: any Error) -> String {
        var text: String
        switch error {
        case let error as TetherError:
            text = error.message
        case let error as CocoaError:
            text = (error.underlying ?? error).localizedDescription
            let generic = "The operation could not be completed. "
            if text.hasPrefix(generic), text.count > generic.count { text.removeFirst(generic.count) }
        default:
            text = "\(error)"
        }
        while let last = text.last, last == "." || last.isWhitespace { text.removeLast() }
        return text.continuingSentence
    }
}

extension String {
    /// This text in the middle of a sentence: a capital that only started
    /// a sentence is lowered ("The file…" → "the file…"); acronyms stay.
    public var continuingSentence: String {
        guard let first, first.isUppercase, !dropFirst().prefix(1).allSatisfy(\.isUppercase) else { return self }
        return first.lowercased() + dropFirst()
    }
}
