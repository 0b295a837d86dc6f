import Foundation
import Testing
import TetherCore
import TetherStorage

@Suite struct CanonicalJSONTests {
    private func text(_ value: JSONValue) -> String { String(decoding: CanonicalJSON.encode(value), as: UTF8.self) }

    @Test func keysAreSortedByteWiseWithoutWhitespace() {
        let value: JSONValue = ["b": 1, "a": ["z": true, "Z": false], "é": nil, "aa": [1, -2, "x"]]
        #expect(text(value) == #"{"a":{"Z":false,"z":true},"aa":[1,-2,"x"],"b":1,"é":null}"#)
    }

    @Test func stringsAreEscapedOneFixedWay() {
        let value: JSONValue = .string("q\"b\\s/\n\r\t\u{08}\u{0C}\u{01}\u{1F}\u{7F}é😀\u{2028}")
        #expect(text(value) == "\"q\\\"b\\\\s/\\n\\r\\t\\b\\f\\u0001\\u001f\u{7F}é😀\u{2028}\"")
    }

    @Test func anEventHasAStableHash() {
        // Pinned: if this changes, existing audit logs stop verifying.
        let event = AuditEvent(
            event: "session.start", time: Date(timeIntervalSince1970: 1_750_000_000.042), cluster: "acme-dallas",
            uid: "00000000-0000-0000-0000-000000000001", user: "alice", nodeLabels: ["customer": "acme"],
            roles: ["tech"], fields: ["n": 7])
        var object = event.jsonObject
        object["seq"] = 1
        let json = CanonicalJSON.encode(.object(object))
        #expect(String(decoding: json, as: UTF8.self) == #"{"cluster":"acme-dallas","event":"session.start","n":7,"node_labels":{"customer":"acme"},"roles":["tech"],"seq":1,"time":"2025-06-15T15:06:40.042Z","uid":"00000000-0000-0000-0000-000000000001","user":"alice"}"#)
        #expect(AuditHash.link(previous: .genesis, recordJSON: json).hex == "395c734275caa914a1e684ddca51b44a59aac195ac6ec0147ad595219a4aa3e2")
    }

    @Test(arguments: [
        #"{"a":[1,2,{"b":null}],"c":"\u00e9\ud83d\ude00\n"}"#, #"  [ true , false , -0 , 9223372036854775807 ]  "#, #""""#,
    ])
    func parserReadsValidJSON(json: String) throws {
        let value = try JSONParser.parse(Array(json.utf8))
        #expect(try JSONParser.parse(CanonicalJSON.encode(value)) == value)
    }

    @Test(arguments: [
        "", "{", "[1,]", "1.5", "1e3", "01", "9223372036854775808", #"{"a":1,"a":2}"#, "\"\u{01}\"", #""\ud800""#,
        #""\x""#, "tru", "[1] 2", String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
    ])
    func parserRejectsInvalidJSON(json: String) {
        #expect(tetherError { _ = try JSONParser.parse(Array(json.utf8)) }?.code == .malformed)
    }

    @Test func parserRejectsInvalidUTF8() {
        #expect(tetherError { _ = try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }?.code == .malformed)
    }
}

@Suite struct EventTimeTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (1_709_164_800_123, "2024-02-29T00:00:00.123Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (-62_135_596_800_000, "0001-01-01T00:00:00.000Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    ])
    func formatsAndParses(milliseconds: Int64, text: String) throws {
        #expect(EventTime.format(milliseconds: milliseconds) == text)
        #expect(try EventTime.parse(text) == milliseconds)
    }

    @Test(arguments: [
        "2024-02-30T00:00:00.000Z", "2023-02-29T00:00:00.000Z", "2024-13-01T00:00:00.000Z", "2024-01-01T24:00:00.000Z",
        "2024-01-01T00:00:00Z", "2024-01-01 00:00:00.000Z", "2024-01-01T00:00:00.000+00:00", "0000-01-01T00:00:00.000Z",
        "２０２４-01-01T00:00:00.000Z",
    ])
    func rejectsOtherForms(text: String) {
        #expect(tetherError { _ = try EventTime.parse(text) }?.code == .malformed)
    }

    @Test func datesAreRoundedToTheMillisecondAndClamped() {
        #expect(EventTime.milliseconds(Date(timeIntervalSince1970: 1.0004)) == 1000)
        #expect(EventTime.milliseconds(Date(timeIntervalSince1970: 1.0006)) == 1001)
        for far in [Date(timeIntervalSince1970: 1e15), Date(timeIntervalSince1970: .infinity)] {
            #expect(EventTime.format(milliseconds: EventTime.milliseconds(far)) == "9999-12-31T23:59:59.999Z")
        }
        #expect(EventTime.format(milliseconds: EventTime.milliseconds(Date(timeIntervalSince1970: -1e15))) == "0001-01-01T00:00:00.000Z")
        #expect(EventTime.format(milliseconds: .max) == "9999-12-31T23:59:59.999Z")
    }
}
