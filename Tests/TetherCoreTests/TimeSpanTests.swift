import Testing
import TetherCore

@Suite struct TimeSpanTests {
    @Test(arguments: [("90s", 90), ("15m", 900), ("8h", 28_800), ("90d", 7_776_000), ("1h30m", 5_400)] as [(String, Int64)])
    func parses(text: String, seconds: Int64) throws {
        let span = try TimeSpan(parsing: text)
        #expect(span.seconds == seconds)
        #expect(try TimeSpan(parsing: span.description) == span)
    }

    @Test(arguments: ["", "8", "h", "8x", "-1h", "0s", "1h 2m", "99999999999999999999d"])
    func rejects(text: String) {
        #expect(throws: TetherError.self) { try TimeSpan(parsing: text) }
    }

    @Test func labelsRoundTrip() throws {
        let labels = try LabelText.parse("customer=acme, region = us-central")
        #expect(labels == ["customer": "acme", "region": "us-central"])
        #expect(LabelText.format(labels) == "customer=acme,region=us-central")
        #expect(throws: TetherError.self) { try LabelText.parse("customer") }
        #expect(throws: TetherError.self) { try LabelText.parse("a=1,a=2") }
    }
}
