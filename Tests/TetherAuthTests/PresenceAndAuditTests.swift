import Foundation
import Testing
import TetherAPI
@testable import TetherAuth
import TetherCore
import TetherIdentity
import TetherPolicy
import TetherStorage

@Suite struct PresenceAndAuditTests {
    private func joinNode(_ fixture: Fixture, name: String, labels: Labels) throws -> String {
        let issued = try fixture.core.tokens.create(type: .node, ttl: .hours(1))
        let keys = ClientKeys()
        let response = try fixture.core.join.join(try keys.joinRequest(token: issued.secret, node: name), remoteAddress: nil)
        try fixture.core.presence.heartbeat(
            Heartbeat(hostID: response.hostID, name: name, labels: labels, tunnel: true, address: nil,
                      sshHostKey: keys.ssh.publicKey.authorizedKeyLine(), ttlSeconds: 60),
            from: response.hostID, remoteAddress: nil)
        return response.hostID
    }

    @Test func usersSeeOnlyNodesTheirRolesAllowAndWhetherTheyAreOnline() throws {
        let fixture = try Fixture()
        try fixture.addFieldTech()
        let acme = try joinNode(fixture, name: "robot-17", labels: ["customer": "acme"])
        _ = try joinNode(fixture, name: "robot-99", labels: ["customer": "globex"])
        let alice = TLSIdentity(kind: .user, name: "alice", cluster: Fixture.cluster, roles: ["field-tech"])

        let visible = try fixture.core.presence.nodes(visibleTo: alice)
        #expect(visible.map(\.name) == ["robot-17"])
        #expect(visible.first?.hostID == acme)
        #expect(visible.first?.online == true)
        #expect(visible.first?.labels == ["customer": "acme"])
        #expect(try fixture.core.presence.nodes(visibleTo: alice, named: "robot-17").map(\.hostID) == [acme])
        #expect(try fixture.core.presence.nodes(visibleTo: alice, named: "robot-99").isEmpty)
        // What the proxy routes alice to: the same nodes.
        #expect(try fixture.core.presence.visibleNodes(user: "alice", roles: ["field-tech"]).compactMap(\.spec.hostID) == [acme])

        fixture.clock.advance(seconds: 61)
        #expect(try fixture.core.presence.nodes(visibleTo: alice).first?.online == false)
    }

    @Test func aNodeMaySpeakOnlyForItself() throws {
        let fixture = try Fixture()
        let first = try joinNode(fixture, name: "robot-17", labels: [:])
        let second = try joinNode(fixture, name: "robot-18", labels: [:])
        let spoofed = Heartbeat(hostID: second, name: "robot-17", labels: [:], tunnel: true, address: nil, sshHostKey: "", ttlSeconds: 60)
        #expect(throws: TetherError.self) { try fixture.core.presence.heartbeat(spoofed, from: second, remoteAddress: nil) }
        #expect(throws: TetherError.self) { try fixture.core.presence.heartbeat(spoofed, from: first, remoteAddress: nil) }
    }

    private func upload(_ fixture: Fixture, host: String, seqs: ClosedRange<Int64>, cluster: String = Fixture.cluster) -> AuditUpload {
        AuditUpload(hostID: host, events: seqs.map { seq in
            let event = AuditEvent(event: "exec", time: fixture.clock.now(), cluster: cluster, user: "alice", node: "robot-17",
                                   fields: ["spool": .number(seq)])
            let json = String(decoding: CanonicalJSON.encode(.object(event.jsonObject)), as: UTF8.self)
            return AuditUpload.SpooledEvent(spoolSeq: seq, json: json)
        })
    }

    @Test func aBatchSentTwiceIsStoredOnceInOrder() throws {
        let fixture = try Fixture()
        let batch = upload(fixture, host: "host-1", seqs: 1...3)
        #expect(try fixture.core.ingestion.ingest(batch, from: "host-1", remoteAddress: nil).storedThrough == 3)
        #expect(try fixture.core.ingestion.ingest(batch, from: "host-1", remoteAddress: nil).storedThrough == 3)
        #expect(try fixture.core.ingestion.ingest(upload(fixture, host: "host-1", seqs: 2...5), from: "host-1", remoteAddress: nil).storedThrough == 5)
        // Another node's seqs are its own.
        #expect(try fixture.core.ingestion.ingest(upload(fixture, host: "host-2", seqs: 1...1), from: "host-2", remoteAddress: nil).storedThrough == 1)

        let stored = try fixture.core.store.search(AuditQuery(types: ["exec"]))
        #expect(stored.compactMap { $0.event.fields["spool"]?.intValue } == [1, 2, 3, 4, 5, 1])
        #expect(try fixture.core.store.verify().isIntact)
    }

    @Test func eventsOfAnotherClusterOrHostAreRefused() throws {
        let fixture = try Fixture()
        #expect(throws: TetherError.self) {
            try fixture.core.ingestion.ingest(upload(fixture, host: "host-1", seqs: 1...2, cluster: "elsewhere"), from: "host-1", remoteAddress: nil)
        }
        #expect(throws: TetherError.self) {
            try fixture.core.ingestion.ingest(upload(fixture, host: "host-1", seqs: 1...2), from: "host-2", remoteAddress: nil)
        }
        #expect(try fixture.core.store.search(AuditQuery(types: ["exec"])).isEmpty)
        #expect(try fixture.core.store.search(AuditQuery(types: [AuthEvent.authFailed])).count == 2)
    }
}
