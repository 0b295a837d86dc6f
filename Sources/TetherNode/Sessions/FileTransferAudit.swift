import Glibc
import TetherCore
import TetherStorage

/// The system's SFTP server program, run for `sftp` subsystem requests as
/// sshd runs it: through the login's shell, as the login's account.
enum SFTPServer {
    /// Where Debian/Ubuntu (openssh-sftp-server), Fedora/RHEL and Arch install it.
    static let standardPaths = ["/usr/lib/openssh/sftp-server", "/usr/libexec/openssh/sftp-server", "/usr/lib/ssh/sftp-server"]

    static func locate(among paths: [String] = standardPaths) throws(TetherError) -> String {
        guard let path = paths.first(where: { access($0, X_OK) == 0 }) else {
            throw TetherError(.unavailable, "this node has no SFTP server (looked for \(paths.joined(separator: ", "))), so sftp and scp cannot work; install openssh-sftp-server (Debian/Ubuntu) or openssh-server on the node.")
        }
        return path
    }
}

extension SFTPRequest {
    /// The `sftp` event's fields: `operation`, `path`, and what else the request says.
    var auditFields: [String: JSONValue] {
        switch self {
        case .open(let path, let flags):
            let names = SFTPOpenFlags.names.filter { flags.contains($0.0) }.map { JSONValue.string($0.1) }
            return ["operation": "open", "path": .string(path), "flags": .array(names)]
        case .remove(let path):
            return ["operation": "remove", "path": .string(path)]
        case .rename(let from, let to):
            return ["operation": "rename", "path": .string(from), "new_path": .string(to)]
        case .makeDirectory(let path):
            return ["operation": "mkdir", "path": .string(path)]
        case .removeDirectory(let path):
            return ["operation": "rmdir", "path": .string(path)]
        case .setAttributes(let path, let attributes):
            var fields: [String: JSONValue] = ["operation": "setstat", "path": .string(path)]
            if let size = attributes.size { fields["size"] = .number(Int64(clamping: size)) }
            if let uid = attributes.uid { fields["uid"] = .number(Int64(uid)) }
            if let gid = attributes.gid { fields["gid"] = .number(Int64(gid)) }
            if let permissions = attributes.permissions { fields["mode"] = .string(String(permissions & 0o7777, radix: 8)) }
            if let time = attributes.modificationTime { fields["mtime"] = .number(Int64(time)) }
            return fields
        case .symlink(let path, let target):
            return ["operation": "symlink", "path": .string(path), "target": .string(target)]
        case .hardLink(let path, let target):
            return ["operation": "link", "path": .string(path), "target": .string(target)]
        }
    }
}

/// The server side of a legacy-protocol scp (`scp -O`, or an OpenSSH older
/// than 9), which the client runs as an exec: `scp -t PATH` receives files
/// into PATH, `scp -f PATH` sends PATH. `path` is the rest of the command
/// after the options, shell quoting included.
struct SCPCommand {
    enum Direction: String {
        /// Into the node (`-t`).
        case upload
        /// Out of the node (`-f`).
        case download
    }

    var direction: Direction
    var path: String
    var recursive: Bool

    init?(_ command: String) {
        var words = command.split(separator: " ", omittingEmptySubsequences: true)[...]
        guard let program = words.popFirst(), program == "scp" || program.hasSuffix("/scp") else { return nil }
        var options = ""
        while let word = words.first, word.hasPrefix("-") {
            words.removeFirst()
            if word == "--" { break }
            options += word.dropFirst()
        }
        switch (options.contains("t"), options.contains("f")) {
        case (true, false): direction = .upload
        case (false, true): direction = .download
        default: return nil
        }
        guard !words.isEmpty else { return nil }
        path = words.joined(separator: " ")
        recursive = options.contains("r")
    }

    var auditFields: [String: JSONValue] {
        ["direction": .string(direction.rawValue), "path": .string(path), "recursive": .bool(recursive)]
    }
}
