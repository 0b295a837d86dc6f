import Foundation
import TetherCore

/// What every resource carries besides its spec: a name unique within its
/// kind, and optional description, labels and expiry.
public struct ResourceMetadata: Codable, Hashable, Sendable {
    public var name: String
    public var description: String?
    public var labels: Labels
    /// After this instant the resource no longer applies (tokens, locks).
    /// Kept to the second.
    public var expires: Date?

    public init(name: String, description: String? = nil, labels: Labels = [:], expires: Date? = nil) {
        self.name = name
        self.description = description
        self.labels = labels
        self.expires = expires?.truncatedToSeconds
    }

    enum CodingKeys: String, CodingKey {
        case name, description, labels, expires
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try container.decode(String.self, forKey: .name),
            description: try container.decodeIfPresent(String.self, forKey: .description),
            labels: try container.decode(.labels, or: [:]),
            expires: try container.decodeTimestampIfPresent(forKey: .expires)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encodeIfPresent(description, forKey: .description)
        try container.encode(labels, forKey: .labels)
        try container.encodeTimestampIfPresent(expires, forKey: .expires)
    }

    /// Whether the resource has expired at `instant` (never, without `expires`).
    public func isExpired(at instant: Date) -> Bool {
        expires.map { $0 <= instant } ?? false
    }
}
