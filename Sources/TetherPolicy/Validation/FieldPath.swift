/// Where a field sits in a resource document, printed the way operators
/// read it: `spec.allow.node_labels.region`, `spec.role_map[1].local[0]`.
public struct FieldPath: Hashable, Sendable, CustomStringConvertible {
    public enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    public var components: [Component] = []

    public init(components: [Component] = []) { self.components = components }

    public static let root = FieldPath()

    public func key(_ name: String) -> FieldPath { FieldPath(components: components + [.key(name)]) }
    public func index(_ position: Int) -> FieldPath { FieldPath(components: components + [.index(position)]) }

    public var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let name): text += text.isEmpty ? name : ".\(name)"
            case .index(let position): text += "[\(position)]"
            }
        }
        return text
    }
}

/// A field that failed a check after decoding.
public struct FieldError: Error, Sendable {
    public var path: FieldPath
    /// The rest of a sentence, e.g. `"^us-(" is not a valid regular expression; ...`.
    public var message: String

    public init(_ path: FieldPath, _ message: String) {
        self.path = path
        self.message = message
    }

    init(_ path: FieldPath, _ error: PatternError) {
        self.init(path, error.message)
    }
}
