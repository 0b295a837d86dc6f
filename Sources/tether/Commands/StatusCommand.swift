import ArgumentParser
import TetherCLIKit
import TetherClient

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show who you are logged in as: cluster, roles, logins and expiry.",
        discussion: "Exits with status 1 once the certificates have expired, after showing them."
    )

    @Option(help: "Output format: text, json or yaml.")
    var format: OutputFormat = .text

    func run() async throws {
        try await reportingFailures {
            let client = try makeClient()
            let profile = try client.savedProfile()
            let now = client.clock.now()
            let status = ProfileStatus(profile: profile, expired: profile.isExpired(at: now))
            Output.emit(try Output.render(status, as: format) { ProfileText.summary(profile, now: now) })
            try profile.requireUnexpired(at: now)
        }
    }
}

/// `tether status --format json|yaml`.
struct ProfileStatus: Encodable {
    var user: String
    var cluster: String
    var proxy: String
    var roles: [String]
    var logins: [String]
    var expires: String
    var expired: Bool

    init(profile: ClientProfile, expired: Bool) {
        user = profile.user
        cluster = profile.cluster
        proxy = profile.proxyAddress
        roles = profile.roles
        logins = profile.logins
        expires = TimeText.format(profile.expiryDate)
        self.expired = expired
    }
}
