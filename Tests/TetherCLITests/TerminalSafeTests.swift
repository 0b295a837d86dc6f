import TetherCLIKit
import Testing

/// Sentences from servers (a leaf's refusal) reach the user's terminal; their
/// control characters must not act on it.
@Suite struct TerminalSafeTests {
    @Test func escapeSequencesAreShownNotObeyed() {
        let fromLeaf = "access denied\u{1B}[2K\rall good\u{7}\u{9B}31m"
        #expect(Output.terminalSafe(fromLeaf) == "access denied\\u{1b}[2K\\u{d}all good\\u{7}\\u{9b}31m")
    }

    @Test func plainSentencesLineBreaksAndTabsAreKept() {
        let sentence = "cluster acme is offline (last seen 2 min ago);\n\ttry again later — or ask ☎."
        #expect(Output.terminalSafe(sentence) == sentence)
    }
}
