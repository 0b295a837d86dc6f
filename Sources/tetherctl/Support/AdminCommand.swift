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

/// A tetherctl command that waits on the network (e.g. a trust handshake).
protocol AsyncAdminCommand: AsyncParsableCommand {
    func execute() async throws(TetherError)
}

extension AsyncAdminCommand {
    func run() async throws {
        do {
            try await execute()
        } catch {
            throw CommandFailure.report(error.message)
        }
    }
}
