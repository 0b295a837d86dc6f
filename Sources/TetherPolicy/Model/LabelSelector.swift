/// Selects nodes by label: every key must be present on the node with one of
/// the listed values, each written as exact text, `*` (any value) or
/// `^regex$` (matched against the whole value). `{"*": "*"}` selects every
/// node; an empty selector selects none.
///
/// Written in YAML as `{customer: acme, region: [us-central, us-east]}`.
public struct LabelSelector: Codable, Hashable, Sendable, ExpressibleByDictionaryLiteral {
    /// Label key to the values accepted for it.
    public var requirements: [String: [String]]

    /// Selects every node.
    public static let everyNode: LabelSelector = ["*": ["*"]]

    public init(_ requirements: [String: [String]]) {
        self.requirements = requirements
    }

    public init(dictionaryLiteral elements: (String, [String])...) {
        self.init(Dictionary(elements, uniquingKeysWith: +))
    }

    public var isEmpty: Bool { requirements.isEmpty }

    public init(from decoder: any Decoder) throws {
        let written = try decoder.singleValueContainer().decode([String: StringOrList].self)
        requirements = written.mapValues(\.values)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(requirements.mapValues(StringOrList.init))
    }
}
