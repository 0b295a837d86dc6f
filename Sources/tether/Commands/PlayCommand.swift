import ArgumentParser
import TetherCLIKit
import TetherClient

struct PlayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "play",
        abstract: "Replay a recorded session's output."
    )

    @Argument(help: "The session ID, as in the audit log.")
    var sessionID: String

    @Option(help: "The cluster the session ran in (default: the one you logged in to).")
    var cluster: String?

    @Option(help: "Playback speed: 1 is real time, 2 twice as fast, 0 without pauses.")
    var speed: Double = 1

    func run() async throws {
        try await reportingFailures {
            let incomplete = try await makeClient().play(sessionID: sessionID, cluster: cluster, speed: speed, to: SessionIO.standardOutput())
            if let incomplete { Output.note("\ntether: " + incomplete) }
        }
    }
}
