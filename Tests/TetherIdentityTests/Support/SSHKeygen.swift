import TetherTestSupport
import Foundation

/// Runs the system's `ssh-keygen`, failing the caller with its stderr.
enum SSHKeygen {
    static let path = "/usr/bin/ssh-keygen"

    static var isAvailable: Bool { ProcessSupport.isExecutable(path) }

    @discardableResult
    static func run(_ arguments: [String], in directory: TemporaryDirectory) throws -> String {
        let result = try ProcessSupport.run(path, arguments, in: directory)
        guard result.status == 0 else {
            throw SupportError("ssh-keygen \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return result.stdout
    }
}
