import ArgumentParser
import Foundation
import TetherCore

/// A tetherctl command: its failures become one sentence on stderr and exit status 1.
protocol AdminCommand: ParsableCommand {
    func execute() throws(TetherError)
}

extension AdminCommand {
    func run() throws {
        do {
            try execute()
        } catch {
            FileHandle.standardError.write(Data((error.message + "\n").utf8))
            throw ExitCode.failure
        }
    }
}
