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

    @Test func aHeartbeatMustRepeatTheKeyAndAddressTheNodeJoinedWith() throws {
        let fixture = try Fixture()
        let issued = try fixture.core.tokens.create(type: .node, ttl: .hours(1), reusable: true)
        let keys = ClientKeys()
        let direct = try fixture.core.join.join(
            try keys.joinRequest(token: issued.secret, node: "site-server", listen: "127.0.0.1:3022"), remoteAddress: nil).hostID
        func refusal(_ heartbeat: Heartbeat) throws -> String {
            try #require(throws: TetherError.self) { try fixture.core.presence.heartbeat(heartbeat, from: direct, remoteAddress: nil) }.message
        }
        var injected = keys.heartbeat(hostID: direct, name: "site-server", address: "127.0.0.1:3022")
        injected.sshHostKey += " x\n@cert-authority *.acme-dallas " + SSHPrivateKey.generate(.ed25519).publicKey.authorizedKeyLine()
        #expect(try refusal(injected).hasPrefix("node site-server sent a heartbeat whose host key is not one public key"))
        var otherKey = injected
        otherKey.sshHostKey = SSHPrivateKey.generate(.ed25519).publicKey.authorizedKeyLine()
        #expect(try refusal(otherKey).hasSuffix("not the key it joined with; a node's host key changes only by joining again."))
        let elsewhere = keys.heartbeat(hostID: direct, name: "site-server", address: "10.0.0.5:5432")
        #expect(try refusal(elsewhere) == "node site-server reports a direct node at \"10.0.0.5:5432\" but joined as a direct node at \"127.0.0.1:3022\"; the proxy reaches a node only the way it joined; join it again to change its address.")
        #expect(try fixture.core.store.search(AuditQuery(types: [AuthEvent.authFailed], node: "site-server")).count == 3)

        try fixture.core.presence.heartbeat(keys.heartbeat(hostID: direct, name: "site-server", address: "127.0.0.1:3022"), from: direct, remoteAddress: nil)
        let record = try #require(try fixture.core.resources.node("site-server"))
        #expect(record.spec.addr == "127.0.0.1:3022")
        #expect(record.spec.sshHostKey == keys.ssh.publicKey.authorizedKeyLine())

        // A tunnel node never gets an address the proxy would dial.
        let tunnelKeys = ClientKeys()
        let tunnel = try fixture.core.join.join(try tunnelKeys.joinRequest(token: issued.secret, node: "robot-17"), remoteAddress: nil).hostID
        #expect(throws: TetherError.self) {
            try fixture.core.presence.heartbeat(tunnelKeys.heartbeat(hostID: tunnel, name: "robot-17", address: "10.0.0.5:5432"), from: tunnel, remoteAddress: nil)
        }
        #expect(try fixture.core.resources.node("robot-17")?.spec.addr == nil)
    }

    @Test func aRemovedNodeIsRefusedAtOnceThoughItsCertificateStillRuns() throws {
        let fixture = try Fixture()
        let issued = try fixture.core.tokens.create(type: .node, ttl: .hours(1))
        let keys = ClientKeys()
        let hostID = try fixture.core.join.join(try keys.joinRequest(token: issued.secret, node: "robot-17"), remoteAddress: nil).hostID
        try fixture.core.admin.remove(.node, name: "robot-17")
        let refused = try #require(throws: TetherError.self) {
            try fixture.core.presence.heartbeat(keys.heartbeat(hostID: hostID, name: "robot-17"), from: hostID, remoteAddress: nil)
        }
        #expect(refused.message == "host \(hostID) sent a heartbeat but is no node of this cluster (removed with tetherctl rm node/NAME?); join it again with a new token.")
        #expect(try fixture.core.resources.node("robot-17") == nil)
        #expect(try fixture.core.store.search(AuditQuery(types: [AuthEvent.authFailed])).count == 1)
    }

    private func upload(
        _ fixture: Fixture, host: String, seqs: ClosedRange<Int64>, cluster: String = Fixture.cluster,
        type: String = "exec", node: String = "robot-17", epoch: String = "epoch-1", fields: [String: JSONValue] = [:]
    ) -> AuditUpload {
        AuditUpload(hostID: host, spoolEpoch: epoch, events: seqs.map { seq in
            let event = AuditEvent(event: type, time: fixture.clock.now(), cluster: cluster, user: "alice", node: node,
                                   fields: fields.merging(["spool": .number(seq)]) { $1 })
            let json = String(decoding: CanonicalJSON.encode(.object(event.jsonObject)), as: UTF8.self)
            return AuditUpload.SpooledEvent(spoolSeq: seq, json: json)
        })
    }

    @Test func aBatchSentTwiceIsStoredOnceInOrder() throws {
        let fixture = try Fixture()
        let first = try joinNode(fixture, name: "robot-17", labels: [:])
        let second = try joinNode(fixture, name: "robot-18", labels: [:])
        let batch = upload(fixture, host: first, seqs: 1...3)
        #expect(try fixture.core.ingestion.ingest(batch, from: first, remoteAddress: nil).storedThrough == 3)
        #expect(try fixture.core.ingestion.ingest(batch, from: first, remoteAddress: nil).storedThrough == 3)
        #expect(try fixture.core.ingestion.ingest(upload(fixture, host: first, seqs: 2...5), from: first, remoteAddress: nil).storedThrough == 5)
        // Another node's seqs are its own.
        #expect(try fixture.core.ingestion.ingest(upload(fixture, host: second, seqs: 1...1), from: second, remoteAddress: nil).storedThrough == 1)

        let stored = try fixture.core.store.search(AuditQuery(types: ["exec"]))
        #expect(stored.compactMap { $0.event.fields["spool"]?.intValue } == [1, 2, 3, 4, 5, 1])
        #expect(try fixture.core.store.verify().isIntact)
    }

    @Test func eventsOfAnotherClusterOrHostAreRefused() throws {
        let fixture = try Fixture()
        let first = try joinNode(fixture, name: "robot-17", labels: [:])
        let second = try joinNode(fixture, name: "robot-18", labels: [:])
        #expect(throws: TetherError.self) {
            try fixture.core.ingestion.ingest(upload(fixture, host: first, seqs: 1...2, cluster: "elsewhere"), from: first, remoteAddress: nil)
        }
        #expect(throws: TetherError.self) {
            try fixture.core.ingestion.ingest(upload(fixture, host: first, seqs: 1...2), from: second, remoteAddress: nil)
        }
        #expect(try fixture.core.store.search(AuditQuery(types: ["exec"])).isEmpty)
        #expect(try fixture.core.store.search(AuditQuery(types: [AuthEvent.authFailed])).count == 2)
    }

    /// Finding 6: a node's events say which node it is, whatever it wrote.
    @Test func aNodeCannotPassItsEventsOffAsAnotherNodes() throws {
        let fixture = try Fixture()
        let attacker = try joinNode(fixture, name: "robot-17", labels: [:])
        _ = try joinNode(fixture, name: "prod-db", labels: [:])
        let forged = upload(fixture, host: attacker, seqs: 1...1, node: "prod-db", fields: ["host_id": .string("someone-else")])
        _ = try fixture.core.ingestion.ingest(forged, from: attacker, remoteAddress: nil)
        let stored = try #require(try fixture.core.store.search(AuditQuery(types: ["exec"])).first)
        #expect(stored.event.node == "robot-17")
        #expect(stored.event.fields["host_id"] == .string(attacker))
        #expect(try fixture.core.store.search(AuditQuery(types: ["exec"], node: "prod-db")).isEmpty)
    }

    /// Finding 6: only what a node writes to its spool may come from one.
    @Test(arguments: ["user.login", "lock.create", "cert.create", "tunnel.connect", "audit.gap"])
    func aNodeCannotUploadTheClustersOwnEvents(_ type: String) throws {
        let fixture = try Fixture()
        let host = try joinNode(fixture, name: "robot-17", labels: [:])
        let error = try #require(throws: TetherError.self) {
            try fixture.core.ingestion.ingest(upload(fixture, host: host, seqs: 1...2, type: type), from: host, remoteAddress: nil)
        }
        #expect(error.code == .accessDenied)
        #expect(error.message.contains("uploaded a \(type) event, which nodes do not write"))
        #expect(try fixture.core.store.search(AuditQuery(types: [type])).allSatisfy { $0.event.fields["spool"] == nil })
        let refusal = try #require(try fixture.core.store.search(AuditQuery(types: [AuthEvent.authFailed])).last)
        #expect(refusal.event.node == "robot-17")
        // Every type a node does write is accepted.
        for (seq, type) in NodeEventType.all.sorted().enumerated() {
            _ = try fixture.core.ingestion.ingest(upload(fixture, host: host, seqs: Int64(seq + 1)...Int64(seq + 1), type: type), from: host, remoteAddress: nil)
        }
    }

    /// Finding 6: a removed node keeps valid certificates for up to 90 days; its uploads are refused at once.
    @Test func aRemovedNodesUploadsAreRefused() throws {
        let fixture = try Fixture()
        let host = try joinNode(fixture, name: "robot-17", labels: [:])
        _ = try fixture.core.ingestion.ingest(upload(fixture, host: host, seqs: 1...1), from: host, remoteAddress: nil)
        try fixture.core.admin.remove(.node, name: "robot-17")
        let error = try #require(throws: TetherError.self) {
            try fixture.core.ingestion.ingest(upload(fixture, host: host, seqs: 2...2), from: host, remoteAddress: nil)
        }
        #expect(error.code == .accessDenied)
        #expect(error.message.contains("host \(host) uploaded audit events but is no") && error.message.contains("join it again with a new token"))
        #expect(try fixture.core.store.search(AuditQuery(types: ["exec"])).count == 1)
        #expect(try fixture.core.store.search(AuditQuery(types: [AuthEvent.authFailed])).last?.event.fields["host_id"] == .string(host))
    }

    /// Finding 7: a node whose spool was created anew starts at seq 1 again;
    /// those events are stored (not skipped as already seen), and the reset is audited.
    @Test func aSpoolCreatedAnewIsStoredFromItsFirstEvent() throws {
        let fixture = try Fixture()
        let host = try joinNode(fixture, name: "robot-17", labels: [:])
        _ = try fixture.core.ingestion.ingest(upload(fixture, host: host, seqs: 1...5, epoch: "old"), from: host, remoteAddress: nil)
        let answer = try fixture.core.ingestion.ingest(upload(fixture, host: host, seqs: 1...3, epoch: "new", fields: ["after": true]), from: host, remoteAddress: nil)
        #expect(answer.storedThrough == 3)
        #expect(try fixture.core.store.search(AuditQuery(types: ["exec"])).filter { $0.event.fields["after"] == true }.count == 3)
        let reset = try #require(try fixture.core.store.search(AuditQuery(types: [AuditIngestion.EventType.spoolGap])).first)
        #expect(reset.event.node == "robot-17")
        #expect(reset.event.fields["previous_epoch"] == .string("old"))
        #expect(reset.event.fields["previous_stored_through"] == .number(5))
        #expect(reset.event.fields["missing_from"] == nil)
    }

    /// Finding 7: seqs that never arrive are a gap, audited with the host and the missing range.
    @Test func aGapInASpoolIsAudited() throws {
        let fixture = try Fixture()
        let host = try joinNode(fixture, name: "robot-17", labels: [:])
        _ = try fixture.core.ingestion.ingest(upload(fixture, host: host, seqs: 1...2), from: host, remoteAddress: nil)
        #expect(try fixture.core.ingestion.ingest(upload(fixture, host: host, seqs: 6...7), from: host, remoteAddress: nil).storedThrough == 7)
        let gap = try #require(try fixture.core.store.search(AuditQuery(types: [AuditIngestion.EventType.spoolGap])).first)
        #expect(gap.event.fields["host_id"] == .string(host))
        #expect(gap.event.fields["missing_from"] == .number(3))
        #expect(gap.event.fields["missing_to"] == .number(5))
        // Chained right before the events that follow the gap.
        let after = try #require(try fixture.core.store.search(AuditQuery(types: ["exec"])).first { $0.event.fields["spool"] == .number(6) })
        #expect(after.seq == gap.seq + 1)
        // Continuing normally is no gap.
        _ = try fixture.core.ingestion.ingest(upload(fixture, host: host, seqs: 8...9), from: host, remoteAddress: nil)
        #expect(try fixture.core.store.search(AuditQuery(types: [AuditIngestion.EventType.spoolGap])).count == 1)
    }

    /// Sessions of a node that is removed (so never reports again) are closed by auth.
    @Test func removingANodeClosesItsOpenSessions() throws {
        let fixture = try Fixture()
        let host = try joinNode(fixture, name: "robot-17", labels: [:])
        func event(_ type: String, session: String, seq: Int64) -> AuditUpload.SpooledEvent {
            let event = AuditEvent(event: type, time: fixture.clock.now(), cluster: Fixture.cluster, user: "alice", node: "robot-17",
                                   sessionID: session, fields: ["interactive": true])
            return AuditUpload.SpooledEvent(spoolSeq: seq, json: String(decoding: CanonicalJSON.encode(.object(event.jsonObject)), as: UTF8.self))
        }
        let events = [event("session.start", session: "s-open", seq: 1), event("session.start", session: "s-done", seq: 2), event("session.end", session: "s-done", seq: 3)]
        _ = try fixture.core.ingestion.ingest(AuditUpload(hostID: host, spoolEpoch: "e", events: events), from: host, remoteAddress: nil)
        try fixture.core.admin.remove(.node, name: "robot-17")
        let ends = try fixture.core.store.search(AuditQuery(types: ["session.end"]))
        #expect(ends.count == 2)
        let closed = try #require(ends.first { $0.event.sessionID == "s-open" })
        #expect(closed.event.user == "alice")
        #expect(closed.event.fields["reason"] == .string("node removed"))
        #expect(closed.event.fields["recording"] == .string("incomplete"))
    }
}
