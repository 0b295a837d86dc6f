import Testing
import TetherCore
@testable import TetherIdentity

@Suite struct SSHWireTests {
    @Test func writesAndReadsEveryFieldType() throws {
        var writer = SSHWireWriter()
        writer.writeUInt32(0xDEAD_BEEF)
        writer.writeUInt64(.max)
        writer.writeString("hello")
        writer.writePositiveMPInt([0x00, 0x80, 0x01])
        writer.writePositiveMPInt([0x7F])
        writer.writePositiveMPInt([0, 0])
        writer.writeNameList(["a", "d"])

        var reader = SSHWireReader(writer.bytes, context: "test")
        #expect(try reader.readUInt32() == 0xDEAD_BEEF)
        #expect(try reader.readUInt64() == .max)
        #expect(try reader.readText() == "hello")
        #expect(try reader.readPositiveMPInt() == [0x80, 0x01])
        #expect(try reader.readPositiveMPInt() == [0x7F])
        #expect(try reader.readPositiveMPInt() == [])
        #expect(try reader.readNameList() == ["a", "d"])
        try reader.expectEnd()
    }

    @Test func mpintGetsASignByteWhenTheTopBitIsSet() {
        var writer = SSHWireWriter()
        writer.writePositiveMPInt([0x80])
        #expect(writer.bytes == [0, 0, 0, 2, 0x00, 0x80])
    }

    @Test(arguments: [
        [UInt8]([0, 0, 0]),  // truncated uint32
        [0xFF, 0xFF, 0xFF, 0xFF, 1, 2],  // length far beyond the data
        [0x7F, 0xFF, 0xFF, 0xFF],  // huge length, no data
        [0, 0, 0, 5, 1, 2],  // truncated string
    ])
    func truncatedOrHugeLengthsThrowMalformed(bytes: [UInt8]) throws {
        var reader = SSHWireReader(bytes, context: "test")
        let error = try #require(throws: TetherError.self) { _ = try reader.readString() }
        #expect(error.code == .malformed)
    }

    @Test(arguments: [
        [UInt8]([0, 0, 0, 1, 0x80]),  // negative
        [0, 0, 0, 2, 0x00, 0x7F],  // superfluous leading zero
        [0, 0, 0, 1, 0x00],  // zero written with a byte
    ])
    func nonCanonicalMPIntsAreRefused(bytes: [UInt8]) {
        var reader = SSHWireReader(bytes, context: "test")
        #expect(throws: TetherError.self) { _ = try reader.readPositiveMPInt() }
    }

    @Test func trailingBytesAreReported() throws {
        var reader = SSHWireReader([0, 0, 0, 0, 9], context: "test")
        _ = try reader.readString()
        #expect(throws: TetherError.self) { try reader.expectEnd() }
    }
}
