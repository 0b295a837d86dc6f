import ArgumentParser
import TetherCLIKit
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
            throw CommandFailure.report(error.message)
        }
    }
}
