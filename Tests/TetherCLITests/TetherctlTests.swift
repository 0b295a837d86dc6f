import Foundation
import TetherTestSupport
import Testing

/// `tetherctl` as an administrator uses it: a real binary on a real data directory.
@Suite(.serialized) struct TetherctlTests {
    static let role = """
        kind: role
        version: v1
        metadata: {name: acme-field-tech}
        spec:
          allow:
            logins: [diagnostics, "{{internal.logins}}"]
            node_labels: {customer: acme}
          options:
            max_session_ttl: 8h
        """

    @Test func theClusterIsNamedBeforeOrAfterTheSubcommandByConfigOrDataDirectory() async throws {
        let ctl = try Tetherctl()
        defer { ctl.remove() }
        let fresh = try await ctl.run(["--data-dir", ctl.dataDirectory, "status"], namingTheConfig: false)
        #expect(fresh.status != 0)
        #expect(fresh.stderr == "\(ctl.dataDirectory) holds no cluster yet; add --cluster NAME to create one there, or give --config FILE.\n")

        for arguments in [["--config", ctl.config, "status"], ["--config=\(ctl.config)", "status"], ["status", "--data-dir", ctl.dataDirectory]] {
            let status = try await ctl.run(arguments, namingTheConfig: false)
            #expect(status.status == 0, "\(arguments): \(status.stderr)")
            #expect(status.stdout.hasPrefix("Cluster:      acme-dallas\n"), "\(arguments): \(status.stdout)")
        }
        let wrong = try await ctl.run(["--data-dir", ctl.dataDirectory, "--cluster", "globex", "status"], namingTheConfig: false)
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("belongs to cluster acme-dallas, not globex"))
    }

    @Test func usersAddPrintsNothingSecretAndListsTheUser() async throws {
        let ctl = try Tetherctl()
        defer { ctl.remove() }
        try #require(await ctl.run(["create", try ctl.file("role.yaml", Self.role)]).status == 0)
        let added = try await ctl.run(["users", "add", "alice", "--roles", "acme-field-tech", "--logins", "alice,root"])
        #expect(added.status == 0)
        #expect(added.stdout.contains("alice"))
        let password = try await ctl.run(["users", "set-password", "alice", "--password-stdin"], input: "correct horse battery\n")
        #expect(password.status == 0)
        #expect(!password.stdout.contains("correct horse"))

        let listed = try await ctl.run(["users", "ls", "--format", "json"])
        let users = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(users.count == 1)
        #expect(!listed.stdout.contains("password") && !listed.stdout.contains("scrypt"))

        let unknownRole = try await ctl.run(["users", "add", "bob", "--roles", "nope"])
        #expect(unknownRole.status != 0)
        #expect(unknownRole.stderr.contains("role nope does not exist"))
    }

    @Test func tokensAddPrintsOnlyTheToken() async throws {
        let ctl = try Tetherctl()
        defer { ctl.remove() }
        let added = try await ctl.run(["tokens", "add", "--type", "node", "--ttl", "1h", "--labels", "customer=acme"])
        #expect(added.status == 0)
        let token = added.stdout.trimmingCharacters(in: .newlines)
        #expect(token.count == 64 && token.allSatisfy(\.isHexDigit))
        #expect(added.stdout == token + "\n")

        let listed = try await ctl.run(["tokens", "ls"])
        #expect(listed.stdout.contains("customer=acme"))
        #expect(!listed.stdout.contains(token))
        #expect(try await ctl.run(["tokens", "rm", token]).status == 0)
        #expect(!(try await ctl.run(["tokens", "ls"]).stdout.contains("customer=acme")))
    }

    @Test func createRoleThenGetItAsJSON() async throws {
        let ctl = try Tetherctl()
        defer { ctl.remove() }
        #expect(try await ctl.run(["create", try ctl.file("role.yaml", Self.role)]).status == 0)
        let again = try await ctl.run(["create", try ctl.file("role.yaml", Self.role)])
        #expect(again.status != 0 && again.stderr.contains("already exists"))
        #expect(try await ctl.run(["create", "-f", try ctl.file("role.yaml", Self.role)]).status == 0)

        let got = try await ctl.run(["get", "roles", "--format", "json"])
        #expect(got.status == 0)
        let roles = try #require(try JSONSerialization.jsonObject(with: Data(got.stdout.utf8)) as? [[String: Any]])
        #expect(roles.count == 1)
        #expect((roles[0]["metadata"] as? [String: Any])?["name"] as? String == "acme-field-tech")
        #expect(try await ctl.run(["rm", "role/acme-field-tech"]).status == 0)
        #expect(try await ctl.run(["get", "roles", "acme-field-tech"]).status != 0)
    }

    @Test func aBadFieldIsOneSentenceNamingFieldAndLine() async throws {
        let ctl = try Tetherctl()
        defer { ctl.remove() }
        let bad = Self.role.replacingOccurrences(of: "node_labels", with: "nodelabels")
        let result = try await ctl.run(["create", try ctl.file("bad-role.yaml", bad)])
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        let message = result.stderr.trimmingCharacters(in: .newlines)
        #expect(!message.contains("\n"))
        #expect(message.contains("bad-role.yaml, line 7"))
        #expect(message.contains("spec.allow.nodelabels"))
    }

    @Test func auditSearchFindsWhatTetherctlDid() async throws {
        let ctl = try Tetherctl()
        defer { ctl.remove() }
        try #require(await ctl.run(["create", try ctl.file("role.yaml", Self.role)]).status == 0)
        try #require(await ctl.run(["lock", "--user", "alice", "--ttl", "1h", "--message", "stolen laptop"]).status == 0)

        let result = try await ctl.run(["audit", "search", "--type", "lock.create", "--since", "1h", "--format", "json"])
        #expect(result.status == 0)
        let events = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(events.count == 1)
        #expect(events.first?["user"] as? String == "alice")
        #expect(events.first?["message"] as? String == "stolen laptop")
        let newest = try await ctl.run(["audit", "search", "--limit", "1"])
        #expect(!newest.stdout.contains("role.create") && newest.stdout.contains("lock.create"))
    }

    @Test func theAuditTableShowsWhatEachEventIsAbout() async throws {
        let ctl = try Tetherctl()
        defer { ctl.remove() }
        try #require(await ctl.run(["create", try ctl.file("role.yaml", Self.role)]).status == 0)
        try #require(await ctl.run(["lock", "--node", "robot-17", "--message", "stolen"]).status == 0)
        try #require(await ctl.run(["tokens", "add", "--type", "node", "--ttl", "1h"]).status == 0)

        let table = try await ctl.run(["audit", "search", "--type", "role.create,lock.create,token.create"])
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true)
            == ["SEQ", "TIME", "EVENT", "USER", "NODE", "LOGIN", "SESSION", "REMOTE", "DETAILS"])
        func row(_ event: String) -> String { lines.first { $0.contains(" \(event) ") } ?? "" }
        #expect(row("role.create").hasSuffix(" name=acme-field-tech"), "\(table.stdout)")
        #expect(row("lock.create").contains(" robot-17 "), "\(table.stdout)")
        #expect(row("lock.create").contains(" message=stolen name=lock-"), "\(table.stdout)")
        #expect(row("token.create").contains(" token="), "\(table.stdout)")
        #expect(row("token.create").hasSuffix(" token_type=node ttl=1h"), "\(table.stdout)")
    }

    @Test func auditVerifyNamesTheFirstTamperedRecord() async throws {
        let ctl = try Tetherctl()
        defer { ctl.remove() }
        try #require(await ctl.run(["create", try ctl.file("role.yaml", Self.role)]).status == 0)
        try #require(await ctl.run(["lock", "--node", "robot-17"]).status == 0)
        let intact = try await ctl.run(["audit", "verify"])
        #expect(intact.status == 0)
        #expect(intact.stdout.contains("intact"))

        // Someone with the file drops the append-only trigger and rewrites history.
        let database = (ctl.dataDirectory as NSString).appendingPathComponent("tether.sqlite")
        try sqlite(database, """
            DROP TRIGGER audit_event_no_update;
            UPDATE audit_event SET json = replace(json, 'acme-field-tech', 'harmless') WHERE event_type = 'role.create';
            """)
        let seq = try sqlite(database, "SELECT seq FROM audit_event WHERE event_type = 'role.create';")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let broken = try await ctl.run(["audit", "verify"])
        #expect(broken.status != 0)
        #expect(broken.stderr.contains("broken at record \(seq)"))
    }

    /// Runs SQL with the sqlite3 command-line tool.
    @discardableResult
    private func sqlite(_ database: String, _ sql: String) throws -> String {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try ProcessSupport.run("/usr/bin/sqlite3", [database, sql], in: directory)
        guard result.status == 0 else { throw SupportError("sqlite3 failed on: \(sql): \(result.stderr)") }
        return result.stdout
    }
}
