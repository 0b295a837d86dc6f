import Glibc
import TetherCore

/// A login account on this machine, resolved before a session starts so the
/// spawned process can drop to it without touching the user database between
/// fork and exec.
public struct LocalAccount: Sendable, Equatable {
    public var name: String
    public var uid: uid_t
    public var gid: gid_t
    public var supplementaryGroups: [gid_t]
    public var home: String
    public var shell: String

    /// Looks the login up in the system's user database.
    public static func lookup(_ name: String) throws(TetherError) -> LocalAccount {
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = getpwnam_r(name, &entry, &buffer, buffer.count, &found)
        guard status == 0, found != nil else {
            throw TetherError(.notFound, "login \"\(name)\" does not exist on this node; create the account or ask for another login.")
        }
        let shell = String(cString: entry.pw_shell)
        return LocalAccount(
            name: name,
            uid: entry.pw_uid,
            gid: entry.pw_gid,
            supplementaryGroups: groups(of: name, primary: entry.pw_gid),
            home: String(cString: entry.pw_dir),
            shell: shell.isEmpty ? "/bin/sh" : shell
        )
    }

    private static func groups(of name: String, primary: gid_t) -> [gid_t] {
        var count: Int32 = 64
        while true {
            var groups = [gid_t](repeating: 0, count: Int(count))
            let capacity = count
            if getgrouplist(name, primary, &groups, &count) >= 0 {
                return Array(groups.prefix(Int(count)))
            }
            // getgrouplist reports the size it needs in `count`.
            if count <= capacity { count = capacity * 2 }
        }
    }
}
