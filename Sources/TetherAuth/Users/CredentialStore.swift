import Foundation
import TetherCore
import TetherStorage

/// A user's secrets: the password hash and the TOTP secret, with the last
/// TOTP time step a login used (a code is good for one login).
public struct Credentials: Codable, Sendable, Hashable {
    public var passwordHash: String?
    public var totpSecret: String?
    public var totpLastStep: Int64?

    public init(passwordHash: String? = nil, totpSecret: String? = nil, totpLastStep: Int64? = nil) {
        self.passwordHash = passwordHash
        self.totpSecret = totpSecret
        self.totpLastStep = totpLastStep
    }

    enum CodingKeys: String, CodingKey {
        case passwordHash = "password_hash"
        case totpSecret = "totp_secret"
        case totpLastStep = "totp_last_step"
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

    public func update(_ user: String, _ change: (inout Credentials) throws(TetherError) -> Void) throws(TetherError) {
        var credentials = try credentials(of: user) ?? Credentials()
        try change(&credentials)
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
