import Foundation
import Testing
import TetherTestSupport

/// Issue 11, "changes that reach every node in seconds" and "locks across
/// the federation": real clusters, tunnel and direct nodes, sessions held
/// open by `tether ssh`, and the time each change takes to act.
@Suite(.serialized) struct LockPropagationTests {
    /// The bound the issue sets for a change to apply everywhere.
    static let propagationBound: Duration = .seconds(2)

    @Test func roleGrantTraitChangeAndLocalLocksApplyWithinTwoSecondsAndTTLLifts() async throws {
        try await ClusterFixture().use { cluster in
            // A role created and granted a moment ago is honoured by the
            // direct node at the first try (it used to wait for a 30 s poll).
            #expect(try await cluster.loginAlice().status == 0)
            #expect(try await eventually { try await cluster.tether(["ssh", "\(cluster.login)@robot-1", "true"]).status == 0 })
            _ = try cluster.directory.write("""
                kind: role
                version: v1
                metadata: {name: globex-ops}
                spec:
                  allow:
                    logins: ["{{internal.logins}}"]
                    node_labels: {customer: globex}
                """, to: "globex-ops.yaml")
            let granted = ContinuousClock.now
            try ClusterBootstrap.expectSuccess(try await cluster.tetherctl(["create", cluster.directory.path("globex-ops.yaml")]), "create role")
            try ClusterBootstrap.expectSuccess(try await cluster.tetherctl(["users", "add", "bob", "--roles", "globex-ops", "--logins", cluster.login]), "users add bob")
            try ClusterBootstrap.expectSuccess(
                try await cluster.tetherctl(["users", "set-password", "bob", "--password-stdin"], stdin: ClusterFixture.password + "\n"), "set-password bob")
            #expect(try await cluster.login(as: "bob").status == 0)
            let first = try await cluster.tether(["ssh", "\(cluster.login)@site-server", "true"], as: "bob")
            #expect(first.status == 0, "\(first.stderr)")
            print("role grant → first admitted session on the direct node: \(ContinuousClock.now - granted)")

            // A lock on alice ends her open session on the tunnel node, with
            // the lock's message on her terminal, and refuses the next one.
            let session = try await cluster.startSession(["ssh", "\(cluster.login)@robot-1", BackgroundTether.command])
            let lock = try await cluster.lock(["--user", "alice", "--message", "laptop reported stolen"])
            let ended = try await session.endDuration(since: lock.created)
            print("local user lock → open session on the tunnel node ended: \(ended)")
            #expect(ended < Self.propagationBound)
            #expect(session.stderr.contains("laptop reported stolen"), "\(session.stderr)")
            let refused = try await cluster.tether(["ssh", "\(cluster.login)@robot-1", "true"])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("laptop reported stolen"), "\(refused.stderr)")
            #expect(try await eventually { try await cluster.lockedSessionEnds(lock: lock.name) >= 1 })

            // A node lock with a ttl ends the open session on the direct node
            // while it is in force, and lifts by itself, without a restart.
            let onDirect = try await cluster.startSession(["ssh", "\(cluster.login)@site-server", BackgroundTether.command], as: "bob")
            let nodeLock = try await cluster.lock(["--node", "site-server", "--ttl", "5s", "--message", "disk replacement"])
            let nodeEnded = try await onDirect.endDuration(since: nodeLock.created)
            print("node lock → open session on the direct node ended: \(nodeEnded)")
            #expect(nodeEnded < Self.propagationBound)
            #expect(onDirect.stderr.contains("disk replacement"), "\(onDirect.stderr)")
            let whileLocked = try await cluster.tether(["ssh", "\(cluster.login)@site-server", "true"], as: "bob")
            #expect(whileLocked.stderr.contains("disk replacement"), "\(whileLocked.stderr)")
            #expect(try await eventually {
                try await cluster.tether(["ssh", "\(cluster.login)@site-server", "true"], as: "bob").status == 0
            })
            print("node lock with ttl 5s lifted after: \(ContinuousClock.now - nodeLock.created)")
            #expect(try await eventually { try await cluster.lockedSessionEnds(lock: nodeLock.name) >= 1 })

            // A trait taken away applies on the node within the bound, with
            // bob's certificate (issued before the change) still valid.
            _ = try cluster.directory.write("""
                kind: user
                version: v1
                metadata: {name: bob}
                spec:
                  roles: [globex-ops]
                  traits: {logins: [somebody-else]}
                """, to: "bob.yaml")
            try ClusterBootstrap.expectSuccess(try await cluster.tetherctl(["create", "-f", cluster.directory.path("bob.yaml")]), "update bob")
            let narrowed = ContinuousClock.now
            #expect(try await eventually {
                try await cluster.tether(["ssh", "\(cluster.login)@site-server", "true"], as: "bob").status != 0
            })
            let traitApplied = ContinuousClock.now - narrowed
            print("trait taken away → refused on the direct node after: \(traitApplied)")
            #expect(traitApplied < Self.propagationBound)
            #expect(try await cluster.tetherctl(["audit", "verify"]).status == 0)
        }
    }

    @Test func rootLocksReachLeavesAndLeavesLockRootUsers() async throws {
        try await FederationFixture().use { federation in
            let (hub, acme) = (federation.hub, federation.acme)
            #expect(try await hub.loginAlice().status == 0)
            #expect(try await eventually {
                try await hub.tether(["ssh", "--cluster", "acme", "\(hub.login)@node-a", "true"]).status == 0
            })

            // A lock at the root ends alice's open session in the leaf, with
            // the root lock's message, and the leaf refuses her next one.
            let session = try await hub.startSession(["ssh", "--cluster", "acme", "\(hub.login)@node-a", BackgroundTether.command])
            let rootLock = try await hub.lock(["--user", "alice", "--message", "account under review by the MSP"])
            let ended = try await session.endDuration(since: rootLock.created)
            print("root user lock → open session in the leaf ended: \(ended)")
            #expect(ended < Self.propagationBound)
            #expect(session.stderr.contains("account under review by the MSP"), "\(session.stderr)")
            let refused = try await hub.tether(["ssh", "--cluster", "acme", "\(hub.login)@node-a", "true"])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("account under review by the MSP"), "\(refused.stderr)")
            // The leaf decided and audited: its copy of the lock, with its origin.
            let copies = try await federation.auditEvents(of: acme, type: "lock.create")
            #expect(copies.contains { ($0["origin"] as? String) == "hub" && ($0["user"] as? String) == "alice" }, "\(copies)")
            #expect(try await eventually { try await acme.lockedSessionEnds(lock: "hub.\(rootLock.name)") >= 1 })

            // Lifting it at the root lifts it in the leaf.
            try ClusterBootstrap.expectSuccess(try await hub.tetherctl(["rm", "lock/\(rootLock.name)"]), "rm lock")
            #expect(try await eventually {
                try await hub.tether(["ssh", "--cluster", "acme", "\(hub.login)@node-a", "true"]).status == 0
            })

            // A lock at the leaf on the root's alice (by origin) ends her
            // session there and refuses her, in the leaf lock's words.
            let again = try await hub.startSession(["ssh", "--cluster", "acme", "\(hub.login)@node-a", BackgroundTether.command])
            let leafLock = try await acme.lock(["--user", "alice", "--origin", "hub", "--message", "acme revoked MSP access"])
            let leafEnded = try await again.endDuration(since: leafLock.created)
            print("leaf lock on a root user → open session ended: \(leafEnded)")
            #expect(leafEnded < Self.propagationBound)
            #expect(again.stderr.contains("acme revoked MSP access"), "\(again.stderr)")
            let refusedHere = try await hub.tether(["ssh", "--cluster", "acme", "\(hub.login)@node-a", "true"])
            #expect(refusedHere.stderr.contains("acme revoked MSP access"), "\(refusedHere.stderr)")
            #expect(try await eventually { try await acme.lockedSessionEnds(lock: leafLock.name) >= 1 })

            // An origin that is no trusted root is refused in one sentence.
            let unknown = try await acme.tetherctl(["lock", "--user", "alice", "--origin", "nowhere"])
            #expect(unknown.status != 0)
            #expect(unknown.stderr.contains("nowhere is not a root this cluster trusts"), "\(unknown.stderr)")
        }
    }
}

/// A `tether` session running in the background, whose output the test reads.
struct BackgroundTether {
    let process: ChildProcess
    let stdoutPath: String
    let stderrPath: String

    /// Says it runs, then outlives any test.
    static let command = "echo session-running; sleep 3600"

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// How long after `start` the process ended (it must end within the
    /// fixture's generous deadline, or the test fails).
    func endDuration(since start: ContinuousClock.Instant) async throws -> Duration {
        let ended = try await eventually { !process.isRunning }
        try #require(ended, "the session is still running: \(stderr)")
        return ContinuousClock.now - start
    }
}

extension ClusterFixture {
    /// Starts `tether ARGUMENTS` running `BackgroundTether.command` and
    /// returns once the command runs on the node.
    func startSession(_ arguments: [String], as user: String = "alice") async throws -> BackgroundTether {
        let name = UUID().uuidString
        let (stdoutPath, stderrPath) = (directory.path("\(name).out"), directory.path("\(name).err"))
        let process = try ChildProcess(
            Self.binary("tether"), arguments, stdoutPath: stdoutPath, stderrPath: stderrPath,
            environment: ["TETHER_HOME": home(of: user)])
        let session = BackgroundTether(process: process, stdoutPath: stdoutPath, stderrPath: stderrPath)
        let running = await eventually { session.stdout.contains("session-running") || !process.isRunning }
        try #require(running && process.isRunning, "the session did not start: \(session.stderr)")
        return session
    }

    /// `tetherctl lock ARGUMENTS`: the lock's name and when it was stored.
    func lock(_ arguments: [String]) async throws -> (name: String, created: ContinuousClock.Instant) {
        let result = try await tetherctl(["lock"] + arguments)
        let created = ContinuousClock.now
        try ClusterBootstrap.expectSuccess(result, "lock")
        let name = try #require(result.stdout.firstMatch(of: /lock (\S+) created/)?.output.1)
        return (String(name), created)
    }

    /// `session.end` events of this cluster saying `reason: locked` by `lock`.
    func lockedSessionEnds(lock: String) async throws -> Int {
        let search = try await tetherctl(["audit", "search", "--type", "session.end", "--format", "json", "--limit", "10000"])
        let events = (try JSONSerialization.jsonObject(with: Data(search.stdout.utf8)) as? [[String: Any]]) ?? []
        return events.filter { $0["reason"] as? String == "locked" && $0["lock"] as? String == lock }.count
    }
}
