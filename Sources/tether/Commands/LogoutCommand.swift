import ArgumentParser
import TetherClient

struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Remove the profile: keys, certificates and known hosts."
    )

    func run() async throws {
        try await reportingFailures {
            let client = try makeClient()
            if let profile = try client.logOut() {
                print("Logged out \(profile.user) from cluster \(profile.cluster).")
            } else {
                print("Not logged in; nothing to remove.")
            }
        }
    }
}
