import Foundation
import Testing
import TetherCore
import TetherStorage

@Suite struct AuditSearchTests {
    let directory: DatabaseDirectory
    let store: SQLiteStore

    init() throws {
        directory = try DatabaseDirectory()
        store = try SQLiteStore(path: directory.database)
        try store.append([
            sampleEvent("user.login", at: 0, node: nil, labels: nil),                                        // 1
            sampleEvent("session.start", at: 10, session: "s1"),                                              // 2
            sampleEvent("session.start", at: 20, user: "bob", node: "robot-2",
                        labels: ["customer": "globex", "region": "us-central"], session: "s2"),               // 3
            sampleEvent("session.end", at: 30, session: "s1"),                                                // 4
            sampleEvent("session.start", at: 86_400, user: "carol", labels: ["customer": "acme", "region": "eu"],
                        session: "s3"),                                                                       // 5
        ])
    }

    private func seqs(_ query: AuditQuery) throws -> [Int64] { try store.search(query).map(\.seq) }

    @Test func appendReturnsConsecutiveSeqs() throws {
        #expect(try store.append([sampleEvent(), sampleEvent()]) == [6, 7])
        #expect(try store.append(sampleEvent()) == 8)
        #expect(try store.append([]) == [])
    }

    @Test func eventsRoundTripExactly() throws {
        let event = AuditEvent(
            event: "exec", time: Date(timeIntervalSince1970: 1_750_000_123.4567), cluster: "leaf", uid: "u-1",
            user: "root-user", login: "ops", node: "n1", nodeLabels: ["a": "1", "é": "ü\n\"x\""], sessionID: "s9",
            remoteAddr: "[::1]:22", roles: ["r2", "r1"], originCluster: "hub", originRoles: ["admin"],
            fields: ["command": "ls -l", "exit_code": -1, "tty": true, "env": ["A": "b"], "args": ["x", 2, nil]])
        let seq = try store.append(event)
        let record = try #require(try store.search(AuditQuery(sessionID: "s9")).first)
        #expect(record.seq == seq)
        #expect(record.event == event)
        #expect(record.event.time == Date(timeIntervalSince1970: 1_750_000_123.457))
    }

    @Test func searchByTimeRange() throws {
        #expect(try seqs(AuditQuery(since: baseTime.addingTimeInterval(10), until: baseTime.addingTimeInterval(30))) == [2, 3])
        #expect(try seqs(AuditQuery(since: baseTime.addingTimeInterval(31))) == [5])
    }

    @Test func searchByTypeUserNodeAndSession() throws {
        #expect(try seqs(AuditQuery(types: ["session.start"])) == [2, 3, 5])
        #expect(try seqs(AuditQuery(types: ["session.start", "session.end"], user: "alice")) == [2, 4])
        #expect(try seqs(AuditQuery(node: "robot-2")) == [3])
        #expect(try seqs(AuditQuery(sessionID: "s1")) == [2, 4])
        #expect(try seqs(AuditQuery(types: ["no.such.type"])) == [])
    }

    @Test func searchByLabelsRequiresEveryPair() throws {
        #expect(try seqs(AuditQuery(types: ["session.start"], labels: ["customer": "acme"])) == [2, 5])
        #expect(try seqs(AuditQuery(labels: ["customer": "acme", "region": "us-central"])) == [2, 4])
        #expect(try seqs(AuditQuery(labels: ["region": "us-central", "customer": "globex"])) == [3])
        #expect(try seqs(AuditQuery(labels: ["customer": "initech"])) == [])
    }

    @Test func limitAndOrder() throws {
        #expect(try seqs(AuditQuery(limit: 2)) == [1, 2])
        #expect(try seqs(AuditQuery(limit: 2, order: .newestFirst)) == [5, 4])
        #expect(try seqs(AuditQuery(limit: 0)) == [])
        #expect(tetherError { _ = try store.search(AuditQuery(limit: -1)) }?.code == .invalidArgument)
    }

    @Test func extraFieldsMayNotShadowCommonFields() {
        var event = sampleEvent()
        event.fields["user"] = "mallory"
        #expect(tetherError { try store.append(event) }?.code == .invalidArgument)
        event.fields = ["seq": 1]
        #expect(tetherError { try store.append(event) }?.code == .invalidArgument)
    }

    @Test func aRejectedBatchWritesNothing() throws {
        var bad = sampleEvent()
        bad.cluster = ""
        #expect(tetherError { try store.append([sampleEvent(), bad]) }?.code == .invalidArgument)
        #expect(try store.verify().recordCount == 5)
    }
}
