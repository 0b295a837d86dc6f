import Foundation
import Testing
import TetherAPI
import TetherAuth
import TetherCore
import TetherIdentity
import TetherPolicy
import TetherStorage

@Suite struct SessionPlaybackTests {
    /// Alice's recorded session "s-1": start, output "hello", end 0.
    private func recordSession(_ fixture: Fixture) throws {
        try fixture.core.audit.record("session.start") { event in
            event.user = "alice"
            event.sessionID = "s-1"
        }
        let recorder = SessionRecorder(
            sessionID: "s-1", context: AuditEvent(event: "session.data", time: fixture.clock.now(), cluster: Fixture.cluster, user: "alice"),
            log: fixture.core.store, clock: fixture.clock)
        try recorder.record(.start(login: "alice", node: "robot-17", term: "xterm", size: TerminalSize(columns: 80, rows: 24)))
        try recorder.record(.output(Array("hello".utf8)))
        try recorder.record(.end(exitStatus: 0))
    }

    private func identity(_ user: String, roles: [String]) -> TLSIdentity {
        TLSIdentity(kind: .user, name: user, cluster: Fixture.cluster, roles: roles)
    }

    @Test func theOwnerAndAuditorsMayReplayOthersMayNot() throws {
        let fixture = try Fixture()
        try fixture.addFieldTech()
        try fixture.core.admin.create([.role(Role(name: "auditor", spec: RoleSpec(
            allow: RoleConditions(rules: [RoleRule(resources: ["session"], verbs: ["read"])]))))], replace: false)
        try recordSession(fixture)

        let own = try fixture.core.playback.playback(sessionID: "s-1", for: identity("alice", roles: ["field-tech"]), remoteAddress: nil)
        #expect(own.frames.map(\.kind) == ["start", "output", "end"])
        #expect(own.frames[1].data == Data("hello".utf8).base64EncodedString())
        #expect(own.frames[2].exitStatus == 0)

        _ = try fixture.core.playback.playback(sessionID: "s-1", for: identity("carol", roles: ["auditor"]), remoteAddress: nil)
        let refused = try #require(throws: TetherError.self) {
            try fixture.core.playback.playback(sessionID: "s-1", for: identity("bob", roles: ["field-tech"]), remoteAddress: nil)
        }
        #expect(refused.code == .accessDenied)
        #expect(try fixture.core.store.search(AuditQuery(types: [AuthEvent.authFailed], user: "bob")).count == 1)
    }

    @Test func aSessionNeverRecordedHereIsNotFoundForAnyoneAndNotAudited() throws {
        let fixture = try Fixture()
        try fixture.addFieldTech()
        try recordSession(fixture)

        let missing = try #require(throws: TetherError.self) {
            try fixture.core.playback.playback(sessionID: "s-elsewhere", for: identity("bob", roles: ["field-tech"]), remoteAddress: nil)
        }
        #expect(missing.code == .notFound)
        #expect(missing.message.contains("no recording of session s-elsewhere"))
        #expect(try fixture.core.store.search(AuditQuery(types: [AuthEvent.authFailed])).isEmpty)
    }

    @Test func nodesGetRolesAndLocksAsStoredJSON() throws {
        let fixture = try Fixture()
        try fixture.addFieldTech()
        _ = try fixture.core.admin.lock(.node("robot-17"), ttl: nil, message: nil)
        let snapshot = try fixture.core.admin.accessPolicy()
        let roles = try snapshot.roles.map { try ResourceDecoder.decodeStored(kind: .role, json: Data($0.utf8)).name }
        #expect(roles == ["field-tech"])
        #expect(snapshot.locks.count == 1)
    }
}
