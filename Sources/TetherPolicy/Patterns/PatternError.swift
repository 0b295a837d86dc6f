/// Why a pattern or template written in a resource cannot be used; the
/// message is the end of a sentence that a caller prefixes with where it was.
struct PatternError: Error, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
}
