import Glibc
import TetherCore

/// Which local accounts sessions may run as. A node running as root drops
/// to the requested login's account; an unprivileged node can only run
/// sessions as its own user.
public struct LoginAccounts: Sendable {
    /// The account a session runs as, and whether the spawn must switch to it.
    public struct Resolved: Sendable, Equatable {
        public var account: LocalAccount
        public var switchUser: Bool
    }

    public let privileged: Bool
    public let ownAccount: LocalAccount?

    /// The accounts of the process as it runs now.
    public init() {
        self.init(privileged: geteuid() == 0, ownAccount: Self.currentAccount())
    }

    public init(privileged: Bool, ownAccount: LocalAccount?) {
        self.privileged = privileged
        self.ownAccount = ownAccount
    }

    public func resolve(_ login: String) throws(TetherError) -> Resolved {
        if privileged {
            return Resolved(account: try LocalAccount.lookup(login), switchUser: true)
        }
        guard let own = ownAccount, own.name == login else {
            let name = ownAccount?.name ?? "uid \(geteuid())"
            throw TetherError(.accessDenied, "this node runs as \(name) without root privileges, so sessions can only log in as \(name), not \"\(login)\"; run the node as root or ask for login \(name).")
        }
        return Resolved(account: own, switchUser: false)
    }

    private static func currentAccount() -> LocalAccount? {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return nil }
        return try? LocalAccount.lookup(String(cString: name))
    }
}
