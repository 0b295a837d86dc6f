import Foundation
import NIOConcurrencyHelpers
import TetherAPI
import TetherCore
import TetherIdentity
import TetherPolicy

/// The roles and locks this node decides logins with: the last snapshot the
/// auth service sent, kept on disk so the node keeps deciding (from what it
/// last knew) while auth is unreachable.
public final class AccessPolicyCache: Sendable {
    /// A snapshot decoded into the policy model.
    public struct Policy: Sendable {
        public var snapshot: AccessPolicySnapshot
        public var roles: [String: Role]
        public var locks: [TetherPolicy.Lock]
        /// This cluster's users as they are now; nil if auth sent none.
        public var users: [String: User]?
    }

    private let file: String?
    private let current = NIOLockedValueBox<Policy?>(nil)

    /// Starts from the snapshot cached in `file`, if any; `file` nil keeps
    /// the policy in memory only.
    public init(file: String?) throws(TetherError) {
        self.file = file
        guard let file, SecureFile.exists(file) else { return }
        let snapshot: AccessPolicySnapshot
        do {
            snapshot = try JSONDecoder().decode(AccessPolicySnapshot.self, from: Data(try SecureFile.read(file).utf8))
        } catch let error as TetherError {
            throw error
        } catch {
            throw TetherError(.malformed, "the cached access policy \(file) cannot be read (\(error)); delete it, the node fetches a new one.")
        }
        let policy = try Self.decode(snapshot)
        current.withLockedValue { $0 = policy }
    }

    /// The policy in force, or nil if the node never received one.
    public var policy: Policy? { current.withLockedValue { $0 } }

    /// Takes a new snapshot: decodes it (a bad one is refused and the old
    /// one kept), writes it to disk, then puts it in force.
    public func update(_ snapshot: AccessPolicySnapshot) throws(TetherError) {
        let policy = try Self.decode(snapshot)
        if let file {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            guard let json = try? encoder.encode(snapshot) else {
                throw TetherError(.internal, "cannot encode the access policy snapshot.")
            }
            try SecureFile.write(String(decoding: json, as: UTF8.self), to: file, mode: 0o600)
        }
        current.withLockedValue { $0 = policy }
    }

    private static func decode(_ snapshot: AccessPolicySnapshot) throws(TetherError) -> Policy {
        var roles: [String: Role] = [:]
        for json in snapshot.roles {
            guard case .role(let role) = try ResourceDecoder.decodeStored(kind: .role, json: Data(json.utf8)) else { continue }
            roles[role.name] = role
        }
        var locks: [TetherPolicy.Lock] = []
        for json in snapshot.locks {
            guard case .lock(let lock) = try ResourceDecoder.decodeStored(kind: .lock, json: Data(json.utf8)) else { continue }
            locks.append(lock)
        }
        var users: [String: User]?
        if let texts = snapshot.users {
            users = [:]
            for json in texts {
                guard case .user(let user) = try ResourceDecoder.decodeStored(kind: .user, json: Data(json.utf8)) else { continue }
                users?[user.name] = user
            }
        }
        return Policy(snapshot: snapshot, roles: roles, locks: locks, users: users)
    }
}
