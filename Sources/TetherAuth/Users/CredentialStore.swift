import Foundation
import TetherCore
import TetherStorage

/// A user's secrets: the password hash and the TOTP secret.
public struct Credentials: Codable, Sendable, Hashable {
    public var passwordHash: String?
    public var totpSecret: String?

    public init(passwordHash: String? = nil, totpSecret: String? = nil) {
        self.passwordHash = passwordHash
        self.totpSecret = totpSecret
    }

    enum CodingKeys: String, CodingKey {
        case passwordHash = "password_hash"
        case totpSecret = "totp_secret"
    }
}

/// Users' credentials, kept in the resource table under a private kind that
/// is not a `ResourceKind`, so `tetherctl get` and the API never show them.
public struct CredentialStore: Sendable {
    static let kind = "credentials"
    let store: any ResourceStore

    public init(store: any ResourceStore) { self.store = store }

    public func credentials(of user: String) throws(TetherError) -> Credentials? {
        guard let stored = try store.get(kind: Self.kind, name: user) else { return nil }
        do {
            return try JSONDecoder().decode(Credentials.self, from: stored.json)
        } catch {
            throw TetherError(.malformed, "the stored credentials of user \(user) are damaged; set the password again.")
        }
    }

    public func update(_ user: String, _ change: (inout Credentials) -> Void) throws(TetherError) {
        var credentials = try credentials(of: user) ?? Credentials()
        change(&credentials)
        let json: Data
        do {
            json = try JSONEncoder().encode(credentials)
        } catch {
            throw TetherError(.internal, "cannot encode the credentials of user \(user): \(error).")
        }
        try store.put(kind: Self.kind, name: user, json: json, mode: .replace)
    }

    public func remove(_ user: String) throws(TetherError) {
        guard try store.get(kind: Self.kind, name: user) != nil else { return }
        try store.delete(kind: Self.kind, name: user)
    }
}
