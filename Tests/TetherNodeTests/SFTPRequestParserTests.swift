import Testing
import TetherIdentity
@testable import TetherNode

/// The audit's reading of the client's SFTP stream: whole requests whatever
/// the pieces they arrive in, and a clean stop on bytes that are not SFTP.
@Suite struct SFTPRequestParserTests {
    /// An SFTP packet: uint32 length, type, then the body `build` writes.
    private static func packet(_ type: UInt8, _ build: (inout SSHWireWriter) -> Void) -> [UInt8] {
        var body = SSHWireWriter()
        body.writeRawBytes([type])
        build(&body)
        var packet = SSHWireWriter()
        packet.writeUInt32(UInt32(body.bytes.count))
        packet.writeRawBytes(body.bytes)
        return packet.bytes
    }

    private static func request(_ type: UInt8, id: UInt32 = 7, _ build: (inout SSHWireWriter) -> Void = { _ in }) -> [UInt8] {
        packet(type) { writer in
            writer.writeUInt32(id)
            build(&writer)
        }
    }

    private static let initialize = packet(1) { $0.writeUInt32(3) }
    private static let openForWriting = request(3) { writer in
        writer.writeString("/srv/upload.bin")
        writer.writeUInt32(0x02 | 0x08 | 0x10)
        writer.writeUInt32(0x04)  // attrs: permissions
        writer.writeUInt32(0o644)
    }
    private static let write = request(6) { writer in
        writer.writeString([0, 0, 0, 4, 1, 2, 3, 4])  // handle
        writer.writeUInt64(0)
        writer.writeString([UInt8](repeating: 0xAB, count: 40_000))
    }

    @Test func decodesTheAuditedRequestsAndSkipsTheRest() {
        let packets: [[UInt8]] = [
            Self.initialize,
            Self.openForWriting,
            Self.write,
            Self.request(13) { $0.writeString("/srv/old.log") },
            Self.request(18) { $0.writeString("/srv/a"); $0.writeString("/srv/b") },
            Self.request(14) { $0.writeString("/srv/new"); $0.writeUInt32(0) },
            Self.request(15) { $0.writeString("/srv/gone") },
            Self.request(9) { $0.writeString("/srv/a"); $0.writeUInt32(0x1 | 0x4 | 0x8); $0.writeUInt64(10); $0.writeUInt32(0o100600); $0.writeUInt32(1); $0.writeUInt32(2) },
            Self.request(20) { $0.writeString("/srv/target"); $0.writeString("/srv/link") },
            Self.request(17) { $0.writeString("/srv/stat-is-not-audited") },
            Self.request(200) { $0.writeString("posix-rename@openssh.com"); $0.writeString("/srv/b"); $0.writeString("/srv/c") },
            Self.request(200) { $0.writeString("hardlink@openssh.com"); $0.writeString("/srv/c"); $0.writeString("/srv/hard") },
            Self.request(200) { $0.writeString("statvfs@openssh.com"); $0.writeString("/") },
        ]
        let stream = Array(packets.joined())
        var parser = SFTPRequestParser()
        let requests = parser.feed(stream)
        #expect(parser.failure == nil)
        #expect(requests == [
            .open(path: "/srv/upload.bin", flags: [.write, .create, .truncate]),
            .remove(path: "/srv/old.log"),
            .rename(from: "/srv/a", to: "/srv/b"),
            .makeDirectory(path: "/srv/new"),
            .removeDirectory(path: "/srv/gone"),
            .setAttributes(path: "/srv/a", SFTPAttributes(size: 10, permissions: 0o100600, accessTime: 1, modificationTime: 2)),
            .symlink(path: "/srv/link", target: "/srv/target"),
            .rename(from: "/srv/b", to: "/srv/c"),
            .hardLink(path: "/srv/hard", target: "/srv/c"),
        ])
    }

    @Test func packetsSplitAnywhereDecodeTheSame() {
        let remove = Self.request(13) { $0.writeString("/x") }
        let stream = Array([Self.initialize, Self.write, Self.openForWriting, Self.write, remove].joined())
        for pieceLength in [1, 2, 3, 5, 7, 4096] {
            var parser = SFTPRequestParser()
            var requests: [SFTPRequest] = []
            var offset = 0
            while offset < stream.count {
                requests += parser.feed(stream[offset..<min(offset + pieceLength, stream.count)])
                offset += pieceLength
            }
            #expect(requests == [.open(path: "/srv/upload.bin", flags: [.write, .create, .truncate]), .remove(path: "/x")], "pieces of \(pieceLength)")
            #expect(parser.failure == nil)
        }
    }

    @Test func aNameThatIsNotUTF8IsStillAudited() {
        var parser = SFTPRequestParser()
        let requests = parser.feed(Self.request(13) { $0.writeString([0x2F, 0xFF, 0x61] as [UInt8]) })
        #expect(requests == [.remove(path: "/\u{FFFD}a")])
    }

    @Test func anOversizedLengthStopsTheParserForGood() {
        var parser = SFTPRequestParser()
        #expect(parser.feed([0xFF, 0xFF, 0xFF, 0xFF, 3] + [UInt8](repeating: 0, count: 100)).isEmpty)
        #expect(parser.failure?.contains("4294967295 bytes") == true)
        #expect(parser.feed(Self.request(13) { $0.writeString("/after") }).isEmpty)
    }

    @Test func aLengthOfZeroStopsTheParser() {
        var parser = SFTPRequestParser()
        #expect(parser.feed([0, 0, 0, 0, 0]).isEmpty)
        #expect(parser.failure != nil)
    }

    @Test func fieldsThatDoNotFitTheirPacketStopTheParser() {
        var parser = SFTPRequestParser()
        // A remove whose path claims 1000 bytes in a 13-byte packet.
        let truncated = Self.packet(13) { writer in
            writer.writeUInt32(1)
            writer.writeUInt32(1000)
            writer.writeRawBytes([0x2F, 0x61, 0x62, 0x63])
        }
        #expect(parser.feed(truncated + Self.request(13) { $0.writeString("/after") }).isEmpty)
        #expect(parser.failure?.contains("SFTP request is malformed") == true)
    }

    @Test func randomGarbageNeverCrashesTheParser() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var parser = SFTPRequestParser()
            let garbage = (0..<Int.random(in: 0..<2000, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = parser.feed(garbage)
            _ = parser.feed(garbage.reversed())
        }
    }
}
