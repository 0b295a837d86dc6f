import Testing
@testable import TetherPolicy

@Suite("Login templates")
struct LoginTemplateTests {
    static let traits = ["logins": ["alice", "ubuntu"], "team": ["robotics", "qa"], "empty": [], "odd": ["has space", "ok"]]

    @Test("expansion", arguments: [
        ("root", ["root"]),
        ("{{internal.logins}}", ["alice", "ubuntu"]),
        ("{{ internal.logins }}", ["alice", "ubuntu"]),
        ("{{external.team}}", ["robotics", "qa"]),
        ("{{internal.team}}", ["robotics", "qa"]),
        ("ops-{{external.team}}", ["ops-robotics", "ops-qa"]),
        ("{{external.team}}-admin", ["robotics-admin", "qa-admin"]),
        ("{{external.missing}}", []),
        ("{{internal.empty}}", []),
        ("{{external.odd}}", ["ok"]),
    ] as [(String, [String])])
    func expansion(text: String, expected: [String]) throws {
        #expect(try LoginTemplate(text).expand(traits: Self.traits) == expected)
    }

    @Test("malformed templates are refused", arguments: [
        "", "{{internal}}", "{{logins}}", "{{internal.}}", "{{secret.logins}}", "{{internal.logins",
        "internal.logins}}", "{{internal.a}}{{internal.b}}", "{{email.local(external.email)}}", "root user",
        "{{internal.a.b}}",
    ])
    func malformed(text: String) {
        #expect(throws: PatternError.self) { try LoginTemplate(text) }
    }
}
