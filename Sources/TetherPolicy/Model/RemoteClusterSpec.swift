import Foundation

/// The root's record of a leaf that connected to it.
public struct RemoteClusterSpec: ResourceSpec {
    public static let kind = ResourceKind.remoteCluster

    /// When the leaf's tunnel was last seen alive, to the second.
    public var lastSeen: Date?

    public init(lastSeen: Date? = nil) {
        self.lastSeen = lastSeen?.truncatedToSeconds
    }

    enum CodingKeys: String, CodingKey {
        case lastSeen = "last_seen"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(lastSeen: try container.decodeTimestampIfPresent(forKey: .lastSeen))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeTimestampIfPresent(lastSeen, forKey: .lastSeen)
    }
}
