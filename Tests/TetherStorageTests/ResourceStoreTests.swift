import Foundation
import Testing
import TetherCore
import TetherStorage

@Suite struct ResourceStoreTests {
    let directory: DatabaseDirectory
    let clock = SteppingClock()
    let store: SQLiteStore

    init() throws {
        directory = try DatabaseDirectory()
        store = try SQLiteStore(path: directory.database, clock: clock)
    }

    private func json(_ text: String) -> Data { Data(text.utf8) }

    @Test func putGetListDelete() throws {
        try store.put(kind: "role", name: "b-admin", json: json(#"{"spec":{"allow":{"logins":["root"]}}}"#), mode: .createOnly)
        try store.put(kind: "role", name: "a-tech", json: json(#"{"spec":{}}"#), mode: .createOnly)
        try store.put(kind: "user", name: "alice", json: json(#"{"roles":["a-tech"]}"#), mode: .createOnly)

        let role = try #require(try store.get(kind: "role", name: "b-admin"))
        #expect(role == StoredResource(kind: "role", name: "b-admin", json: json(#"{"spec":{"allow":{"logins":["root"]}}}"#)))
        #expect(try store.get(kind: "role", name: "alice") == nil)
        #expect(try store.list(kind: "role").map(\.name) == ["a-tech", "b-admin"])

        try store.delete(kind: "role", name: "a-tech")
        #expect(try store.list(kind: "role").map(\.name) == ["b-admin"])
        #expect(tetherError { try store.delete(kind: "role", name: "a-tech") }?.code == .notFound)
    }

    @Test func createOnlyRefusesAnExistingResourceAndReplaceOverwrites() throws {
        try store.put(kind: "role", name: "ops", json: json(#"{"v":1}"#), mode: .createOnly)
        let error = tetherError { try store.put(kind: "role", name: "ops", json: json(#"{"v":2}"#), mode: .createOnly) }
        #expect(error?.code == .alreadyExists)
        #expect(error?.message.contains("ops") == true)
        #expect(try store.get(kind: "role", name: "ops")?.json == json(#"{"v":1}"#))

        try store.put(kind: "role", name: "ops", json: json(#"{"v":2}"#), mode: .replace)
        #expect(try store.get(kind: "role", name: "ops")?.json == json(#"{"v":2}"#))
    }

    @Test func expiredResourcesAreInvisibleAndTheirNameIsFree() throws {
        let expiry = clock.now().addingTimeInterval(60)
        try store.put(kind: "token", name: "t1", json: json(#"{}"#), expires: expiry, mode: .createOnly)
        #expect(try store.get(kind: "token", name: "t1")?.expires == expiry)

        clock.advance(milliseconds: 60_000)
        #expect(try store.get(kind: "token", name: "t1") == nil)
        #expect(try store.list(kind: "token").isEmpty)
        #expect(tetherError { try store.delete(kind: "token", name: "t1") }?.code == .notFound)

        try store.put(kind: "token", name: "t1", json: json(#"{"new":true}"#), mode: .createOnly)
        #expect(try store.get(kind: "token", name: "t1")?.json == json(#"{"new":true}"#))
    }

    @Test(arguments: ["{not json", "", "\u{FF}"])
    func invalidJSONIsRejected(text: String) {
        let bytes = text == "\u{FF}" ? Data([0xFF, 0xFE]) : json(text)
        let error = tetherError { try store.put(kind: "role", name: "bad", json: bytes, mode: .replace) }
        #expect(error?.code == .invalidArgument)
    }

    @Test func emptyKindOrNameIsRejected() {
        #expect(tetherError { try store.put(kind: "", name: "x", json: json("{}"), mode: .replace) }?.code == .invalidArgument)
        #expect(tetherError { try store.put(kind: "role", name: "", json: json("{}"), mode: .replace) }?.code == .invalidArgument)
    }
}

@Suite struct SQLiteStoreFileTests {
    @Test func reopeningKeepsDataAndReappliesNoMigration() throws {
        let directory = try DatabaseDirectory()
        let listMigrations = "SELECT identifier FROM grdb_migrations ORDER BY rowid"
        do {
            let store = try SQLiteStore(path: directory.database)
            try store.put(kind: "role", name: "ops", json: Data("{}".utf8), mode: .createOnly)
            try store.append(sampleEvent())
        }
        let applied = try sqliteShell(directory.database, listMigrations).output
        #expect(applied.hasPrefix("v1-resources\nv1-audit\n"))

        let reopened = try SQLiteStore(path: directory.database)
        #expect(try reopened.get(kind: "role", name: "ops") != nil)
        #expect(try reopened.verify().recordCount == 1)
        #expect(try sqliteShell(directory.database, listMigrations).output == applied)
    }

    @Test func aDatabaseFromANewerVersionIsRefused() throws {
        let directory = try DatabaseDirectory()
        _ = try SQLiteStore(path: directory.database)
        try sqliteShell(directory.database, "INSERT INTO grdb_migrations (identifier) VALUES ('v99-future')")
        let error = tetherError { _ = try SQLiteStore(path: directory.database) }
        #expect(error?.code == .storage)
        #expect(error?.message.contains("newer version") == true)
    }

    @Test func fileIsPrivateAndInWALMode() throws {
        let directory = try DatabaseDirectory()
        let store = try SQLiteStore(dataDirectory: directory.file("data"))
        #expect(store.path == directory.database)
        let fileMode = try FileManager.default.attributesOfItem(atPath: directory.database)[.posixPermissions] as? Int
        let directoryMode = try FileManager.default.attributesOfItem(atPath: directory.file("data"))[.posixPermissions] as? Int
        #expect(fileMode == 0o600)
        #expect(directoryMode == 0o700)
        // journal_mode is stored in the file, so another process sees it.
        #expect(try sqliteShell(directory.database, "PRAGMA journal_mode").output == "wal\n")
    }

    /// Low finding: NORMAL may lose the last commits on power loss; the audit log needs FULL.
    @Test func commitsAreSynchronousFull() throws {
        let directory = try DatabaseDirectory()
        #expect(try SQLiteStore(path: directory.database).synchronousMode() == 2)
    }

    @Test func aFileThatIsNotADatabaseIsAStorageErrorNamingIt() throws {
        let directory = try DatabaseDirectory()
        let path = directory.file("junk.sqlite")
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        let error = tetherError { _ = try SQLiteStore(path: path) }
        #expect(error?.code == .storage)
        #expect(error?.message.contains(path) == true)
    }
}
