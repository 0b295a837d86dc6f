import Foundation
import NIOSSH
import Testing
import TetherStorage
import TetherTestSupport
@testable import TetherNode

/// The stock scp, sftp and rsync against a node (the node and the client
/// share this machine's file system, so both ends of a copy can be read).
@Suite(.enabled(if: ["/usr/bin/scp", "/usr/bin/sftp", "/usr/bin/rsync"].allSatisfy(FileManager.default.isExecutableFile(atPath:))
    && (try? SFTPServer.locate()) != nil))
struct FileTransferTests {
    /// Spans many SFTP packets, and is not text.
    static let payload = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) })

    /// A node, a stock client for it, a local file holding the payload and an empty directory standing for the node's side.
    struct Setup {
        let node: NodeFixture
        let client: StockClientConfig
        let local: String
        let remote: String

        init() async throws {
            node = try await NodeFixture()
            client = try await StockClientConfig(node: node)
            local = node.directory.path("local.bin")
            try FileTransferTests.payload.write(to: URL(fileURLWithPath: local))
            remote = node.directory.path("remote")
            try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: false)
        }

        func run(_ tool: String, _ arguments: [String]) async throws -> CommandResult {
            let result = try await ProcessSupport.run(tool, arguments, in: node.directory)
            #expect(result.status == 0, "\(tool) \(arguments): \(result.stderr)")
            return result
        }

        func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

        /// The `sftp` events' fields, oldest first.
        func sftpEvents() async throws -> [[String: JSONValue]] { try await node.events(NodeAuditor.EventType.sftp).map(\.fields) }

        func shutdown() async {
            await client.close()
            await node.shutdown()
        }
    }

    @Test func scpAndSFTPCopyBothWaysAndTheAuditNamesThePaths() async throws {
        let setup = try await Setup()
        let (config, local, remote) = (setup.client.path, setup.local, setup.remote)
        let host = StockClientConfig.host

        // scp speaks SFTP by default since OpenSSH 9.
        _ = try await setup.run("/usr/bin/scp", ["-F", config, local, "\(host):\(remote)/up.bin"])
        #expect(setup.contents("\(remote)/up.bin") == Self.payload)
        let down = setup.node.directory.path("down.bin")
        _ = try await setup.run("/usr/bin/scp", ["-F", config, "\(host):\(remote)/up.bin", down])
        #expect(setup.contents(down) == Self.payload)

        let got = setup.node.directory.path("got.bin")
        let batch = try setup.node.directory.write("""
            mkdir \(remote)/sub
            put \(local) \(remote)/sub/put.bin
            rename \(remote)/sub/put.bin \(remote)/sub/renamed.bin
            chmod 600 \(remote)/sub/renamed.bin
            symlink \(remote)/sub/renamed.bin \(remote)/sub/link
            get \(remote)/sub/link \(got)
            rm \(remote)/sub/link
            rm \(remote)/sub/renamed.bin
            rmdir \(remote)/sub
            """, to: "batch")
        _ = try await setup.run("/usr/bin/sftp", ["-F", config, "-b", batch, host])
        #expect(setup.contents(got) == Self.payload)
        #expect(!FileManager.default.fileExists(atPath: "\(remote)/sub"))

        let events = try await setup.sftpEvents()
        func flags(opening path: String) -> [Set<String>] {
            events.filter { $0["operation"] == "open" && $0["path"] == .string(path) }.map { event in
                guard case .array(let names)? = event["flags"] else { return [] }
                return Set(names.compactMap { if case .string(let name) = $0 { name } else { nil } })
            }
        }
        #expect(flags(opening: "\(remote)/up.bin").contains { $0.isSuperset(of: ["write", "create"]) }, "\(events)")
        #expect(flags(opening: "\(remote)/up.bin").contains { $0 == ["read"] }, "\(events)")
        #expect(flags(opening: "\(remote)/sub/put.bin").contains { $0.contains("write") }, "\(events)")
        #expect(flags(opening: "\(remote)/sub/link") == [["read"]], "\(events)")
        let changes: [[String: JSONValue]] = [
            ["operation": "mkdir", "path": .string("\(remote)/sub")],
            ["operation": "rename", "path": .string("\(remote)/sub/put.bin"), "new_path": .string("\(remote)/sub/renamed.bin")],
            ["operation": "setstat", "path": .string("\(remote)/sub/renamed.bin"), "mode": "600"],
            ["operation": "symlink", "path": .string("\(remote)/sub/link"), "target": .string("\(remote)/sub/renamed.bin")],
            ["operation": "remove", "path": .string("\(remote)/sub/link")],
            ["operation": "remove", "path": .string("\(remote)/sub/renamed.bin")],
            ["operation": "rmdir", "path": .string("\(remote)/sub")],
        ]
        #expect(events.filter { $0["operation"] != "open" } == changes)

        // Three sftp sessions, each started and ended, none recorded as a terminal.
        let starts = try await setup.node.events(NodeAuditor.EventType.sessionStart)
        #expect(starts.count == 3)
        #expect(starts.allSatisfy { $0.fields["subsystem"] == "sftp" && $0.fields["interactive"] == false && $0.user == "alice" && $0.login == "root" })
        #expect(try await setup.node.events(NodeAuditor.EventType.sessionEnd).allSatisfy { $0.fields["subsystem"] == "sftp" && $0.fields["exit_status"] == 0 })
        #expect(try await setup.node.events(SessionRecorder.eventType).isEmpty)
        #expect(try await setup.node.events(NodeAuditor.EventType.exec).isEmpty)
        let sessions = Set(starts.compactMap(\.sessionID))
        #expect(try await setup.node.events(NodeAuditor.EventType.sftp).allSatisfy { $0.sessionID.map(sessions.contains) == true })
        await setup.shutdown()
    }

    @Test func legacySCPAndRsyncRunAsAuditedCommands() async throws {
        let setup = try await Setup()
        let (config, local, remote) = (setup.client.path, setup.local, setup.remote)
        let host = StockClientConfig.host

        _ = try await setup.run("/usr/bin/scp", ["-O", "-F", config, local, "\(host):\(remote)/legacy.bin"])
        #expect(setup.contents("\(remote)/legacy.bin") == Self.payload)
        let down = setup.node.directory.path("legacy-down.bin")
        _ = try await setup.run("/usr/bin/scp", ["-O", "-F", config, "\(host):\(remote)/legacy.bin", down])
        #expect(setup.contents(down) == Self.payload)
        let scp = try await setup.node.events(NodeAuditor.EventType.scp).map(\.fields)
        #expect(scp == [
            ["direction": "upload", "path": .string("\(remote)/legacy.bin"), "recursive": false],
            ["direction": "download", "path": .string("\(remote)/legacy.bin"), "recursive": false],
        ])

        _ = try await setup.run("/usr/bin/rsync", ["-e", "ssh -F \(config)", local, "\(host):\(remote)/rsynced.bin"])
        #expect(setup.contents("\(remote)/rsynced.bin") == Self.payload)
        let back = setup.node.directory.path("rsync-back.bin")
        _ = try await setup.run("/usr/bin/rsync", ["-e", "ssh -F \(config)", "\(host):\(remote)/rsynced.bin", back])
        #expect(setup.contents(back) == Self.payload)
        let commands = try await setup.node.events(NodeAuditor.EventType.exec).compactMap { event -> String? in
            if case .string(let command)? = event.fields["command"] { command } else { nil }
        }
        #expect(commands.filter { $0.hasPrefix("rsync --server") }.count == 2, "\(commands)")
        #expect(try await setup.node.events(NodeAuditor.EventType.sftp).isEmpty)
        await setup.shutdown()
    }

    @Test func aLoginTheRolesRefuseGetsNoSFTPEither() async throws {
        // alice's certificate names "daemon", but no role of hers allows it.
        let node = try await NodeFixture()
        let client = try await StockClientConfig(node: node, login: "daemon")
        let batch = try node.directory.write("ls /\n", to: "batch")
        let result = try await ProcessSupport.run("/usr/bin/sftp", ["-F", client.path, "-b", batch, StockClientConfig.host], in: node.directory)
        await client.close()

        #expect(result.status != 0)
        let refusal = try #require(try await node.events(NodeAuditor.EventType.authFailed).first)
        #expect(refusal.login == "daemon")
        #expect(try await node.events(NodeAuditor.EventType.sessionStart).isEmpty)
        await node.shutdown()
    }

    @Test func bytesThatAreNotSFTPStopTheAuditNotTheSession() async throws {
        let node = try await NodeFixture()
        let (key, certificate) = try node.issue()
        let connection = try await node.connect(login: "root", key: key, certificate: certificate)
        let session = try await connection.openSession()
        try await session.request(SSHChannelRequestEvent.SubsystemRequest(subsystem: "sftp", wantReply: true))
        try await session.write("this is not sftp\n")
        try await session.closeInput()
        let result = try await session.finished()
        let after = try await connection.exec("echo still-serving")
        await connection.close()

        #expect(result.replies == [true])
        #expect(after.standardOutput == "still-serving\n")
        let stopped = try await node.events(NodeAuditor.EventType.sftp).map(\.fields)
        #expect(stopped.count == 1)
        #expect(stopped.first?["operation"] == "audit_stopped")
        #expect(stopped.first?["reason"] == "the client sent an SFTP packet of 1952999795 bytes, outside 1...262144")
        #expect(try await node.events(NodeAuditor.EventType.sessionEnd).first?.fields["subsystem"] == "sftp")
        await node.shutdown()
    }
}
