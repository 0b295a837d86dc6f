import TetherCore
import Testing
@testable import TetherPolicy

@Suite("Role mapping")
struct RoleMapTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var entries: [RoleMapEntry]
        var remote: [String]
        var local: [String]
        var testDescription: String { name }
    }

    /// The product.md role map.
    static let product = [
        RoleMapEntry(remote: "admin", local: ["access"]),
        RoleMapEntry(remote: "^acme-(.*)$", local: ["site-$1"]),
    ]

    static let cases: [Case] = [
        Case(name: "exact name", entries: product, remote: ["admin"], local: ["access"]),
        Case(name: "exact name is whole and case-sensitive", entries: product, remote: ["admins", "Admin", "xadmin"], local: []),
        Case(name: "regex capture", entries: product, remote: ["acme-dallas"], local: ["site-dallas"]),
        Case(name: "several remote roles add up", entries: product, remote: ["acme-dallas", "admin", "acme-austin"], local: ["access", "site-dallas", "site-austin"]),
        Case(name: "no match grants nothing", entries: product, remote: ["auditor", "dev"], local: []),
        Case(name: "no remote roles, nothing", entries: product, remote: [], local: []),
        Case(name: "no entries, nothing", entries: [], remote: ["admin"], local: []),
        Case(
            name: "glob captures each star",
            entries: [RoleMapEntry(remote: "team-*-*", local: ["$2-$1"])],
            remote: ["team-robotics-lead", "team-qa"], local: ["lead-robotics"]
        ),
        Case(
            name: "glob matches the whole name and dots are literal",
            entries: [RoleMapEntry(remote: "acme.*", local: ["acme-user"])],
            remote: ["acmeX-admin", "xacme.ops"], local: []
        ),
        Case(
            name: "glob star alone maps every role",
            entries: [RoleMapEntry(remote: "*", local: ["guest"])],
            remote: ["anything", "else"], local: ["guest"]
        ),
        Case(
            name: "matching entries add up, deduplicated in order",
            entries: [
                RoleMapEntry(remote: "dev", local: ["viewer", "dev"]),
                RoleMapEntry(remote: "^(dev|ops)$", local: ["$1", "viewer", "shell"]),
            ],
            remote: ["dev", "ops"], local: ["viewer", "dev", "shell", "ops"]
        ),
        Case(
            name: "empty capture expansions are dropped",
            entries: [RoleMapEntry(remote: "^acme-(.*)$", local: ["$1", "acme-member"])],
            remote: ["acme-"], local: ["acme-member"]
        ),
        Case(
            name: "unmatched optional group expands to nothing",
            entries: [RoleMapEntry(remote: "^ops(-(.+))?$", local: ["$2"])],
            remote: ["ops"], local: []
        ),
        // Escalation attempts: nothing the map does not say may come out.
        Case(name: "a remote admin is not caught by the acme pattern",
             entries: [RoleMapEntry(remote: "^acme-(.*)$", local: ["site-$1"])],
             remote: ["admin"], local: []),
        Case(name: "acme-admin becomes site-admin, never admin",
             entries: [RoleMapEntry(remote: "^acme-(.*)$", local: ["site-$1"])],
             remote: ["acme-admin"], local: ["site-admin"]),
        Case(name: "the pattern cannot match inside a longer name",
             entries: [RoleMapEntry(remote: "^acme-(.*)$", local: ["site-$1"])],
             remote: ["evil-acme-admin", "acme-admin\nadmin"], local: []),
        Case(name: "captured $ signs are not expanded again",
             entries: [RoleMapEntry(remote: "^acme-(.*)$", local: ["site-$1"]), RoleMapEntry(remote: "admin", local: ["access"])],
             remote: ["acme-$1"], local: []),
        Case(name: "captures that would not be role names are dropped",
             entries: [RoleMapEntry(remote: "^acme-(.*)$", local: ["$1"])],
             remote: ["acme-x,admin", "acme-a dmin", "acme-*"], local: []),
    ]

    @Test("mapping", arguments: cases)
    func mapping(sample: Case) throws {
        #expect(try RoleMap(sample.entries).map(remoteRoles: sample.remote) == sample.local)
    }

    @Test("bad entries are refused with the field named", arguments: [
        (RoleMapEntry(remote: "admin", local: ["*"]), "role_map[0].local[0]: local role \"*\" would grant every local role; name the roles to grant."),
        (RoleMapEntry(remote: "admin", local: []), "role_map[0].local: no local roles are listed; name at least one role to grant, or remove the entry."),
        (RoleMapEntry(remote: "admin", local: [""]), "role_map[0].local[0]: a local role is empty; name the role to grant."),
        (RoleMapEntry(remote: "^acme-(.*$", local: ["x"]), "role_map[0].remote: \"^acme-(.*$\" is not a valid regular expression; fix it or write an exact value."),
        (RoleMapEntry(remote: "^acme-(.*)", local: ["x"]), "role_map[0].remote: \"^acme-(.*)\" looks like a regular expression but is not anchored at both ends; write ^...$ to match the whole role name."),
        (RoleMapEntry(remote: "^x)|(.*$", local: ["x"]), "role_map[0].remote: \"^x)|(.*$\" is not a valid regular expression; fix it or write an exact value."),
        (RoleMapEntry(remote: "admin", local: ["site-$1"]), "role_map[0].local[0]: local role \"site-$1\" uses $1 but the remote pattern captures 0 part(s)."),
        (RoleMapEntry(remote: "^a(.*)$", local: ["site-$"]), "role_map[0].local[0]: local role \"site-$\" has a $ not followed by a capture number; write $1, $2..."),
        (RoleMapEntry(remote: "admin", local: ["a b"]), "role_map[0].local[0]: local role \"a b\" contains characters a role name cannot have; use letters, digits, . _ @ - and $1, $2..."),
    ] as [(RoleMapEntry, String)])
    func invalid(entry: RoleMapEntry, message: String) {
        #expect(throws: TetherError(.invalidArgument, message)) { try RoleMap([entry]) }
    }
}
