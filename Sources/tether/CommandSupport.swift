import ArgumentParser
import Foundation
import TetherCLIKit
import TetherClient
import TetherCore

/// The client for the profile in `$TETHER_HOME` or `~/.tether`.
func makeClient() throws(TetherError) -> UserClient {
    UserClient(store: ProfileStore(directory: try ProfileStore.defaultDirectory()))
}

/// Runs a command's work; a failure becomes its one sentence on stderr and
/// exit status 1 (exit codes chosen by the command pass through).
func reportingFailures<Result>(_ body: () async throws -> Result) async throws -> Result {
    do {
        return try await body()
    } catch let error as TetherError {
        throw CommandFailure.report(error.message)
    } catch let error as ExitCode {
        throw error
    } catch let error as CancellationError {
        throw error
    } catch {
        throw CommandFailure.report("\(error)")
    }
}
