/// A local user: the roles they hold and traits that fill role templates
/// (`traits.logins` feeds `{{internal.logins}}`).
public struct UserSpec: ResourceSpec {
    public static let kind = ResourceKind.user

    public var roles: [String]
    public var traits: [String: [String]]

    public init(roles: [String] = [], traits: [String: [String]] = [:]) {
        self.roles = roles
        self.traits = traits
    }

    enum CodingKeys: String, CodingKey {
        case roles, traits
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(roles: try container.decode(.roles, or: []), traits: try container.decode(.traits, or: [:]))
    }
}
