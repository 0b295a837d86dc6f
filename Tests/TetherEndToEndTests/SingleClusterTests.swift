import Foundation
import Testing
import TetherTestSupport

/// Issue acceptance for one cluster, with real processes on 127.0.0.1.
@Suite(.serialized) struct SingleClusterTests {
    @Test func loginThenSSHToTunnelAndDirectNodesWithExitStatus() async throws {
        try await ClusterFixture().use { cluster in
            let login = try await cluster.loginAlice()
            #expect(login.status == 0, "\(login.stderr)")

            // Both nodes come online; alice sees only acme's.
            #expect(try await eventually { try await cluster.tether(["ls", "--format", "json"]).stdout.contains("robot-1") })
            let listing = try await cluster.tether(["ls"])
            #expect(listing.stdout.contains("robot-1"))
            #expect(!listing.stdout.contains("site-server"))

            let hello = try await cluster.tether(["ssh", "\(cluster.login)@robot-1", "echo", "hello from robot"])
            #expect(hello.status == 0, "\(hello.stderr)")
            #expect(hello.stdout == "hello from robot\n")
            let seven = try await cluster.tether(["ssh", "\(cluster.login)@robot-1", "exit 7"])
            #expect(seven.status == 7, "\(seven.stderr)")

            // ops may reach the direct node, which the proxy dials.
            #expect(try await cluster.login(as: "ops").status == 0)
            #expect(try await eventually { try await cluster.tether(["ls"], as: "ops").stdout.contains("site-server") })
            let direct = try await cluster.tether(["ssh", "\(cluster.login)@site-server", "echo direct; exit 3"], as: "ops")
            #expect(direct.status == 3, "\(direct.stderr)")
            #expect(direct.stdout == "direct\n")
        }
    }

    @Test func tunnelNodeHasNoListeningSocket() async throws {
        try await ClusterFixture().use { cluster in
            let pid = try #require(cluster.pid(of: "robot-1"))
            #expect(try await eventually { try await cluster.tetherctl(["get", "nodes", "--format", "json"]).stdout.contains("robot-1") })
            let sockets = try await ProcessSupport.run("/usr/bin/ss", ["-H", "-ltnp"], in: cluster.directory)
            #expect(!sockets.stdout.contains("pid=\(pid),"), "robot-1 listens: \(sockets.stdout)")
            #expect(sockets.stdout.contains(":\(cluster.proxyPort)"))
        }
    }

    @Test func stockOpenSSHThroughTetherConfig() async throws {
        try await ClusterFixture().use { cluster in
            #expect(try await cluster.loginAlice().status == 0)
            #expect(try await eventually { try await cluster.tether(["ls"]).stdout.contains("robot-1") })
            let path = try await cluster.sshConfigFile()
            let result = try await cluster.ssh(["-F", path, "-o", "BatchMode=yes", "\(cluster.login)@robot-1.\(cluster.cluster)", "echo", "stock"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == "stock\n")
        }
    }

    @Test func denialsAreExplainedAndAudited() async throws {
        try await ClusterFixture().use { cluster in
            #expect(try await cluster.loginAlice().status == 0)
            #expect(try await eventually { try await cluster.tether(["ls"]).stdout.contains("robot-1") })

            let wrongLogin = try await cluster.tether(["ssh", "nosuchlogin@robot-1", "true"])
            #expect(wrongLogin.status != 0)
            #expect(!wrongLogin.stderr.isEmpty)

            let unknown = try await cluster.tether(["ssh", "\(cluster.login)@no-such-node", "true"])
            #expect(unknown.status != 0)
            #expect(unknown.stderr.contains("no-such-node"), "\(unknown.stderr)")

            // site-server is globex's: alice's role does not reach it. tether
            // will not even try (she cannot see it)...
            let labels = try await cluster.tether(["ssh", "\(cluster.login)@site-server", "true"])
            #expect(labels.status != 0)
            #expect(labels.stderr.contains("site-server"), "\(labels.stderr)")
            // ...and going around tether with stock ssh (host keys unchecked) meets
            // the proxy, which refuses her in the same words before the node says
            // anything, and audits it.
            let config = try await cluster.sshConfigFile()
            let sneaky = try await cluster.ssh([
                "-F", config, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "\(cluster.login)@site-server.\(cluster.cluster)", "true",
            ])
            #expect(sneaky.status != 0)
            #expect(sneaky.stderr.contains(labels.stderr), "\(sneaky.stderr)")

            #expect(try await eventually {
                let events = try await cluster.tetherctl(["audit", "search", "--type", "auth.failed", "--format", "json"]).stdout
                return events.contains("nosuchlogin") && events.contains("site-server")
            })
            #expect(try await cluster.tetherctl(["audit", "verify"]).status == 0)
        }
    }

    @Test func tunnelNodeComesBackAfterTheProxyRestarts() async throws {
        try await ClusterFixture().use { cluster in
            #expect(try await cluster.loginAlice().status == 0)
            #expect(try await eventually { try await cluster.tether(["ssh", "\(cluster.login)@robot-1", "true"]).status == 0 })

            await cluster.kill("auth-proxy")
            try await cluster.startAuthAndProxy()
            // No action on the node: it notices and dials back by itself.
            #expect(try await eventually { try await cluster.tether(["ssh", "\(cluster.login)@robot-1", "true"]).status == 0 })

            // The audit table says whose tunnel came up, and from where.
            let table = try await cluster.tetherctl(["audit", "search", "--type", "tunnel.connect"]).stdout
            let rows = table.split(separator: "\n").dropFirst(2)
            #expect(rows.filter { $0.contains(" robot-1 ") }.count >= 2, "\(table)")
            #expect(rows.allSatisfy { $0.contains(" 127.0.0.1 ") && $0.contains(" host_id=") }, "\(table)")
        }
    }

    @Test func sessionsAreRecordedInTheAuditLog() async throws {
        try await ClusterFixture().use { cluster throws in
            #expect(try await cluster.loginAlice().status == 0)
            #expect(try await eventually { try await cluster.tether(["ls"]).stdout.contains("robot-1") })
            #expect(try await cluster.tether(["ssh", "\(cluster.login)@robot-1", "echo", "recorded-output"]).status == 0)
            #expect(try await eventually {
                let search = try await cluster.tetherctl(["audit", "search", "--labels", "customer=acme", "--since", "1h", "--format", "json"]).stdout
                return search.contains("session.start") && search.contains("session.end") && search.contains("exec")
            })
            #expect(try await cluster.tetherctl(["audit", "verify"]).status == 0)
        }
    }

    @Test func interactiveTerminalSessionIsRecordedAndPlaysBack() async throws {
        try await ClusterFixture().use { cluster in
            #expect(try await cluster.loginAlice().status == 0)
            #expect(try await eventually { try await cluster.tether(["ls"]).stdout.contains("robot-1") })

            // `script` gives tether a real terminal, so it asks the node for a PTY and a shell.
            let command = "\(ClusterFixture.binary("tether")) ssh \(cluster.login)@robot-1"
            let typed = "echo typed-$((6*7))\nexit 4\n"
            let session = try await ProcessSupport.run(
                "/usr/bin/script", ["-q", "-e", "-c", command, "/dev/null"], in: cluster.directory, stdin: typed,
                environment: ["TETHER_HOME": cluster.home, "TERM": "xterm"]
            )
            #expect(session.stdout.contains("typed-42"), "\(session.stdout) \(session.stderr)")
            #expect(session.status == 4, "\(session.stderr)")

            var sessionID: String?
            #expect(try await eventually {
                // Its end arrives after all of its recording.
                sessionID = try await cluster.sessionIDs(with: "session.end").last
                return sessionID != nil
            })
            let playback = try await cluster.tether(["play", try #require(sessionID), "--speed", "0"])
            #expect(playback.status == 0, "\(playback.stderr)")
            #expect(playback.stdout.contains("typed-42"))
        }
    }

    @Test func sessionEventsSurviveAnAuthOutage() async throws {
        try await ClusterFixture().use { cluster in
            #expect(try await cluster.login(as: "ops").status == 0)
            #expect(try await eventually { try await cluster.tether(["ls"], as: "ops").stdout.contains("site-server") })

            // A session on the direct node, running while auth (and its proxy) go away:
            // it outlives the test, so only the proxy's end can end it.
            let session = try cluster.startTether(["ssh", "\(cluster.login)@site-server", "sleep 3600"], as: "ops")
            defer { session.kill() }
            #expect(try await eventually { try await !cluster.sessionIDs().isEmpty })
            let sessionID = try #require(try await cluster.sessionIDs().first)

            await cluster.kill("auth-proxy")
            // The session ends with the proxy; the node records its end while auth is down.
            #expect(await eventually { !session.isRunning }, "the session outlived its proxy")
            try await cluster.startAuthAndProxy()

            #expect(try await eventually(timeout: .seconds(60)) {
                let ends = try await cluster.tetherctl(["audit", "search", "--type", "session.end", "--format", "json"]).stdout
                return ends.contains(sessionID)
            })
            #expect(try await cluster.tetherctl(["audit", "verify"]).status == 0)
        }
    }
}
