import TetherCore

/// A join token's record. The secret itself is the auth service's business;
/// the expiry is `metadata.expires`.
public struct TokenSpec: ResourceSpec {
    public static let kind = ResourceKind.token

    public enum TokenType: String, Codable, Hashable, Sendable, CaseIterable {
        /// Lets a node join the cluster.
        case node
        /// Lets a leaf cluster establish trust with this (root) cluster.
        case trustedCluster = "trusted_cluster"

        public init(from decoder: any Decoder) throws {
            self = try decodeWord(from: decoder)
        }
    }

    public var type: TokenType
    /// Labels given to the node that joins with this token.
    public var labels: Labels
    /// Whether the token survives its first use.
    public var reusable: Bool
    /// The only node name a node token admits; it lets that name move to a
    /// new host key (a replaced machine) without removing the node first.
    public var node: String?
    /// Hex SHA-256 of the secret token: the auth service keeps only this,
    /// so a copy of the database lets nobody join.
    public var secretHash: String?

    public init(type: TokenType, labels: Labels = [:], reusable: Bool = false, node: String? = nil, secretHash: String? = nil) {
        self.type = type
        self.labels = labels
        self.reusable = reusable
        self.node = node
        self.secretHash = secretHash
    }

    enum CodingKeys: String, CodingKey {
        case type, labels, reusable, node
        case secretHash = "secret_hash"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            type: try container.decode(TokenType.self, forKey: .type),
            labels: try container.decode(.labels, or: [:]),
            reusable: try container.decode(.reusable, or: false),
            node: try container.decodeIfPresent(String.self, forKey: .node),
            secretHash: try container.decodeIfPresent(String.self, forKey: .secretHash)
        )
    }
}
