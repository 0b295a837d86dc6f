import Crypto
import Foundation
import TetherCore
import TetherPolicy
import TetherStorage

/// A token just made: the secret is shown once and never stored.
public struct IssuedToken: Sendable, Hashable {
    /// 64 hex digits (32 random bytes).
    public let secret: String
    public let token: Token
}

/// Join tokens for nodes and trusted clusters. Only the SHA-256 of a
/// secret is stored (in the token's spec); the resource is named by a
/// short prefix of that hash, so `tokens ls` and `tokens rm` can refer to
/// it without revealing anything usable.
public struct JoinTokens: Sendable {
    let resources: ClusterResources
    let audit: AuditTrail
    let clock: any WallClock

    /// Hex digits of the hash that name the token resource.
    static let idLength = 16
    static let secretByteCount = 32

    /// `node`: the one node name the token admits (see `TokenSpec.node`).
    public func create(type: TokenSpec.TokenType, ttl: TimeSpan, labels: Labels = [:], reusable: Bool = false, node: String? = nil) throws(TetherError) -> IssuedToken {
        var generator = SystemRandomNumberGenerator()
        let secret = Hex.encode((0..<Self.secretByteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let hash = Self.hash(secret)
        let token = Token(
            metadata: ResourceMetadata(name: Self.id(ofHash: hash), labels: [:], expires: clock.now().addingTimeInterval(ttl.timeInterval)),
            spec: TokenSpec(type: type, labels: labels, reusable: reusable, node: node, secretHash: hash)
        )
        try resources.put(.token(token), mode: .createOnly)
        try audit.record(AuthEvent.tokenCreate) { event in
            event.fields["token"] = .string(token.name)
            event.fields["token_type"] = .string(type.rawValue)
            event.fields["ttl"] = .string(ttl.description)
            if let node { event.node = node }
        }
        return IssuedToken(secret: secret, token: token)
    }

    public func list() throws(TetherError) -> [Token] {
        try resources.list(.token).compactMap { if case .token(let token) = $0 { token } else { nil } }
    }

    /// Removes a token by its id (or by its secret, which maps to the id).
    public func remove(_ idOrSecret: String) throws(TetherError) {
        let id = idOrSecret.count == Self.secretByteCount * 2 ? Self.id(ofHash: Self.hash(idOrSecret)) : idOrSecret
        try resources.delete(.token, id)
        try audit.record(AuthEvent.tokenDelete) { $0.fields["token"] = .string(id) }
    }

    /// Checks `secret` for a token of `type` and uses it up unless it is
    /// reusable. Unknown, used, expired and wrong tokens are refused alike.
    public func redeem(_ secret: String, as type: TokenSpec.TokenType) throws(TetherError) -> Token {
        let token = try token(secret, as: type)
        try useUp(token)
        return token
    }

    /// The live token of `type` whose secret is `secret`, without using it up.
    public func token(_ secret: String, as type: TokenSpec.TokenType) throws(TetherError) -> Token {
        let hash = Self.hash(secret)
        guard case .token(let token)? = try resources.get(.token, Self.id(ofHash: hash)),
              let stored = token.spec.secretHash,
              ConstantTime.equal(Array(stored.utf8), Array(hash.utf8)),
              token.spec.type == type
        else { throw Self.invalid(type) }
        return token
    }

    /// Uses `token` up unless it is reusable.
    public func useUp(_ token: Token) throws(TetherError) {
        guard !token.spec.reusable else { return }
        // Deleting is the atomic step: of two joins racing with one token, one wins.
        do {
            try resources.delete(.token, token.name)
        } catch where error.code == .notFound {
            throw Self.invalid(token.spec.type)
        }
    }

    static func invalid(_ type: TokenSpec.TokenType) -> TetherError {
        TetherError(.accessDenied, "the join token is not valid (unknown, already used, expired or of another type); make a new one with tetherctl tokens add --type \(type.rawValue).")
    }

    static func hash(_ secret: String) -> String {
        Hex.encode(SHA256.hash(data: Array(secret.utf8)))
    }

    static func id(ofHash hash: String) -> String {
        String(hash.prefix(idLength))
    }
}
