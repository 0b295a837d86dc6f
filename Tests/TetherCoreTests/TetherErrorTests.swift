import Foundation
import TetherCore
import Testing

@Suite struct TetherErrorTests {
    @Test func foundationsSentenceIsQuotedAsAClauseEndingNowhere() throws {
        let error = #expect(throws: CocoaError.self) {
            try String(contentsOfFile: "/nonexistent/tetherd.yaml", encoding: .utf8)
        }
        #expect(TetherError.clause(try #require(error)) == "no such file or directory")
        #expect(TetherError.clause(CocoaError(.fileReadNoSuchFile)) == "the file doesn’t exist")
        #expect(TetherError.clause(TetherError(.notFound, "no node named robot-1.")) == "no node named robot-1")
    }

    @Test func onlyASentencesCapitalIsLowered() {
        #expect("The file".continuingSentence == "the file")
        #expect("TLS failed".continuingSentence == "TLS failed")
        #expect("already lower".continuingSentence == "already lower")
    }
}
