import ArgumentParser
import TetherCLIKit
import TetherClient
import TetherCore

struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Log in through a cluster's proxy and save certificates for freshly generated keys."
    )

    @Option(help: "The proxy's public address, HOST:PORT.")
    var proxy: String

    @Option(help: "Your Tether user name.")
    var user: String

    @Flag(help: "Read the password from standard input instead of prompting.")
    var passwordStdin = false

    @Option(help: "The one-time code, when the cluster requires a second factor.")
    var otp: String?

    @Flag(help: "Trust the cluster CA on first contact without checking a pin.")
    var insecure = false

    @Option(name: .customLong("ca-pin"), help: "The cluster CA pin (sha256:…) printed by `tetherctl status`.")
    var caPin: String?

    @Option(help: "How long the certificates should last, e.g. 8h (the roles may cap it).")
    var ttl: String?

    func run() async throws {
        try await reportingFailures {
            let client = try makeClient()
            let address = try HostPort(parsing: proxy)
            let trust = try LoginTrust.choose(caPin: caPin, insecure: insecure, proxyAddress: address.description, saved: try? client.store.loadProfile())
            let lifetime = try ttl.map { (text: String) throws(TetherError) in try TimeSpan(parsing: text) }
            let password = try readPassword()
            let identity = try await client.logIn(LoginOptions(proxy: address, user: user, password: password, otp: otp, ttl: lifetime, trust: trust))
            let profile = identity.profile
            Output.emit(ProfileText.summary(profile, now: client.clock.now()))
        }
    }

    private func readPassword() throws(TetherError) -> String {
        if passwordStdin { return try StandardInput.readSecretLine(purpose: "password") }
        guard Terminal.isTerminal(0) else {
            throw TetherError(.invalidArgument, "standard input is not a terminal, so the password cannot be prompted for; pipe it in with --password-stdin.")
        }
        return try Terminal.readSecret(prompt: "Password for \(user): ")
    }
}
