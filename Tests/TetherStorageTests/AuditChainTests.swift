import Foundation
import Testing
import TetherCore
import TetherStorage

@Suite struct AuditChainTests {
    let directory: DatabaseDirectory
    let store: SQLiteStore

    init() throws {
        directory = try DatabaseDirectory()
        store = try SQLiteStore(path: directory.database)
        try store.append((0..<6).map { sampleEvent(at: Double($0), user: "user\($0)") })
    }

    @Test func verifyReportsCountAndHead() throws {
        let head = try #require(try store.search(AuditQuery(limit: 1, order: .newestFirst)).first)
        #expect(try store.verify() == .intact(count: 6, head: head.hash))
    }

    @Test func anEmptyLogVerifies() throws {
        let empty = try SQLiteStore(path: directory.file("empty.sqlite"))
        #expect(try empty.verify() == .intact(count: 0, head: .genesis))
    }

    @Test func eachHashChainsThePreviousOne() throws {
        let records = try store.search(AuditQuery())
        var previous = AuditHash.genesis
        for record in records {
            // Recomputed from the public pieces: previous hash and canonical JSON with seq.
            var object = record.event.jsonObject
            object["seq"] = .number(record.seq)
            #expect(record.hash == AuditHash.link(previous: previous, recordJSON: CanonicalJSON.encode(.object(object))))
            previous = record.hash
        }
    }

    @Test func triggersRejectUpdateAndDelete() throws {
        let update = try sqliteShell(directory.database, "UPDATE audit_event SET user_name = 'mallory' WHERE seq = 2")
        #expect(update.status != 0)
        #expect(update.output.contains("append-only"))
        let delete = try sqliteShell(directory.database, "DELETE FROM audit_event WHERE seq = 2")
        #expect(delete.status != 0)
        #expect(delete.output.contains("append-only"))
        #expect(try store.verify().recordCount == 6)
    }

    @Test func anEditedRecordIsNamed() throws {
        try tamper("""
            DROP TRIGGER audit_event_no_update;
            UPDATE audit_event SET json = replace(json, '"user":"user3"', '"user":"userX"') WHERE seq = 4;
            """)
        #expect(try store.verify() == .broken(seq: 4, reason: .hashMismatch))
    }

    @Test func aDeletedRecordIsNamed() throws {
        try tamper("DROP TRIGGER audit_event_no_delete; DELETE FROM audit_event WHERE seq = 3;")
        #expect(try store.verify() == .broken(seq: 3, reason: .missing))
    }

    @Test func aDeletedFirstRecordIsNamed() throws {
        try tamper("DROP TRIGGER audit_event_no_delete; DELETE FROM audit_event WHERE seq = 1;")
        #expect(try store.verify() == .broken(seq: 1, reason: .missing))
    }

    @Test func anEditedSearchColumnIsNamed() throws {
        try tamper("DROP TRIGGER audit_event_no_update; UPDATE audit_event SET user_name = 'someone' WHERE seq = 5;")
        #expect(try store.verify() == .broken(seq: 5, reason: .columnMismatch(column: "user_name")))
    }

    @Test func aGarbledRowIsReportedNotFatal() throws {
        try tamper("DROP TRIGGER audit_event_no_update; UPDATE audit_event SET hash = 'oops', json = 42 WHERE seq = 2;")
        guard case .broken(2, .unparsable) = try store.verify() else {
            Issue.record("expected record 2 to be unparsable")
            return
        }
        let error = tetherError { _ = try store.search(AuditQuery()) }
        #expect(error?.code == .malformed)
        #expect(error?.message.contains("record 2") == true)
    }

    @Test func twoStoresOnOneFileKeepOneUnbrokenChain() async throws {
        let other = try SQLiteStore(path: directory.database)
        let writers = [store, other]
        let seqs = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for (index, writer) in writers.enumerated() {
                group.addTask {
                    var seqs: [Int64] = []
                    for batch in 0..<40 {
                        seqs += try writer.append((0..<10).map { sampleEvent(at: Double(batch), user: "writer\(index)-\($0)") })
                    }
                    return seqs
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(Set(seqs) == Set(7...806))
        #expect(try store.verify().recordCount == 806)
        #expect(try other.verify().recordCount == 806)
    }

    private func tamper(_ sql: String) throws {
        let result = try sqliteShell(directory.database, sql)
        try #require(result.status == 0, "sqlite3 failed: \(result.output)")
    }
}
