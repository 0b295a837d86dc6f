import Foundation
import TetherCore
import Testing
@testable import TetherPolicy

/// A role allowing `logins` on nodes matching `allow`, denying `deny`.
func makeRole(
    _ name: String,
    logins: [String] = [],
    allow: LabelSelector = [:],
    deny: LabelSelector = [:],
    deniedLogins: [String] = [],
    options: RoleOptions = RoleOptions()
) -> Role {
    Role(name: name, spec: RoleSpec(
        allow: RoleConditions(logins: logins, nodeLabels: allow),
        deny: RoleConditions(logins: deniedLogins, nodeLabels: deny),
        options: options
    ))
}

func checker(_ roles: [Role], traits: [String: [String]] = [:], policies: [any NodeAccessPolicy] = []) throws -> AccessChecker {
    try AccessChecker(subject: AccessSubject(user: "alice", roles: roles, traits: traits), additionalPolicies: policies)
}

let robot17 = NodeTarget(name: "robot-17", labels: ["customer": "acme", "region": "us-central", "lifecycle": "active"])

@Suite("Label selectors")
struct LabelSelectorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var selector: LabelSelector
        var labels: Labels
        var matches: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "exact value", selector: ["customer": ["acme"]], labels: ["customer": "acme"], matches: true),
        Case(name: "other value", selector: ["customer": ["acme"]], labels: ["customer": "globex"], matches: false),
        Case(name: "values are case-sensitive", selector: ["customer": ["acme"]], labels: ["customer": "ACME"], matches: false),
        Case(name: "any of a list", selector: ["region": ["us-central", "us-east"]], labels: ["region": "us-east"], matches: true),
        Case(name: "none of a list", selector: ["region": ["us-central", "us-east"]], labels: ["region": "eu-west"], matches: false),
        Case(name: "star takes any value", selector: ["region": ["*"]], labels: ["region": "anything"], matches: true),
        Case(name: "star still needs the label", selector: ["region": ["*"]], labels: ["customer": "acme"], matches: false),
        Case(name: "regex matches", selector: ["region": ["^us-.*$"]], labels: ["region": "us-east"], matches: true),
        Case(name: "regex is anchored at the start", selector: ["region": ["^us-.*$"]], labels: ["region": "xus-east"], matches: false),
        Case(name: "regex must match the whole value", selector: ["region": ["^us$"]], labels: ["region": "us-east"], matches: false),
        Case(name: "regex alternation covers the whole value", selector: ["v": ["^a|ab$"]], labels: ["v": "ab"], matches: true),
        Case(name: "regex alternation is not a prefix test", selector: ["v": ["^a|ab$"]], labels: ["v": "abc"], matches: false),
        Case(name: "regex does not stop at a newline", selector: ["region": ["^us-.*$"]], labels: ["region": "us-east\nadmin"], matches: false),
        Case(name: "every key must match", selector: ["customer": ["acme"], "region": ["eu-west"]], labels: ["customer": "acme", "region": "us-east"], matches: false),
        Case(name: "all keys matching", selector: ["customer": ["acme"], "region": ["^us-.*$"]], labels: ["customer": "acme", "region": "us-east", "x": "y"], matches: true),
        Case(name: "wildcard selects every node", selector: .everyNode, labels: ["customer": "acme"], matches: true),
        Case(name: "wildcard selects unlabelled nodes", selector: .everyNode, labels: [:], matches: true),
        Case(name: "empty selector selects nothing", selector: [:], labels: ["customer": "acme"], matches: false),
        Case(name: "empty selector, unlabelled node", selector: [:], labels: [:], matches: false),
    ]

    @Test("matching", arguments: cases)
    func matching(sample: Case) throws {
        let compiled = try CompiledSelector(sample.selector, at: .root)
        #expect(compiled.matches(sample.labels) == sample.matches)
        // The same through a role: it allows a login exactly where it selects.
        let access = try checker([makeRole("r", logins: ["ops"], allow: sample.selector)])
        let node = NodeTarget(name: "n", labels: sample.labels)
        #expect(access.checkAccess(login: "ops", node: node).isAllowed == sample.matches)
        #expect(access.canSee(node) == sample.matches)
    }
}

@Suite("Node access")
struct AccessCheckerTests {
    @Test("a role allows its logins on its nodes and nothing else")
    func allow() throws {
        let access = try checker([makeRole("acme-tech", logins: ["diagnostics"], allow: ["customer": ["acme"]])])
        #expect(access.checkAccess(login: "diagnostics", node: robot17) == .allowed(role: "acme-tech"))
        #expect(access.checkAccess(login: "root", node: robot17) == .denied(reason: "no role of alice allows login \"root\" on node robot-17"))
        let other = NodeTarget(name: "globex-1", labels: ["customer": "globex"])
        #expect(access.checkAccess(login: "diagnostics", node: other) == .denied(reason: "no role of alice allows login \"diagnostics\" on node globex-1"))
    }

    @Test("deny by labels beats an allow from another role, for every login")
    func denyLabelsWin() throws {
        let access = try checker([
            makeRole("admin", logins: ["root", "diagnostics"], allow: .everyNode),
            makeRole("acme-tech", deny: ["lifecycle": ["decommissioned"]]),
        ])
        let retired = NodeTarget(name: "robot-3", labels: ["customer": "acme", "lifecycle": "decommissioned"])
        for login in ["root", "diagnostics"] {
            #expect(access.checkAccess(login: login, node: retired) == .denied(reason: "role \"acme-tech\" denies nodes labelled lifecycle=decommissioned"))
        }
        #expect(access.checkAccess(login: "root", node: robot17) == .allowed(role: "admin"))
        #expect(!access.canSee(retired))
        #expect(access.canSee(robot17))
    }

    @Test("a denied login is refused on every node, even where a role allows it")
    func denyLogin() throws {
        let access = try checker([
            makeRole("admin", logins: ["root", "ubuntu"], allow: .everyNode),
            makeRole("no-root", deniedLogins: ["root"]),
        ])
        #expect(access.checkAccess(login: "root", node: robot17) == .denied(reason: "role \"no-root\" denies login \"root\""))
        #expect(access.checkAccess(login: "ubuntu", node: robot17) == .allowed(role: "admin"))
        #expect(access.allowedLogins == ["ubuntu"])
    }

    @Test("login and labels must come from the same role")
    func sameRole() throws {
        // One role has the login but not the node, the other the node but not the login.
        let access = try checker([
            makeRole("logins-only", logins: ["root"], allow: ["customer": ["globex"]]),
            makeRole("nodes-only", logins: ["diagnostics"], allow: ["customer": ["acme"]]),
        ])
        #expect(!access.checkAccess(login: "root", node: robot17).isAllowed)
        #expect(access.checkAccess(login: "diagnostics", node: robot17) == .allowed(role: "nodes-only"))
    }

    @Test("trait templates expand in allowed and denied logins")
    func templates() throws {
        let roles = [
            makeRole("dev", logins: ["{{internal.logins}}", "ops-{{external.team}}", "{{internal.shell_user}}-x", "{{external.missing}}"], allow: .everyNode),
            makeRole("guard", deniedLogins: ["{{ internal.banned }}"]),
        ]
        let traits = ["logins": ["alice", "ubuntu"], "team": ["robotics", ""], "shell_user": ["svc"], "banned": ["ubuntu"]]
        let access = try checker(roles, traits: traits)
        #expect(access.allowedLogins == ["alice", "ops-robotics", "svc-x"])
        #expect(access.checkAccess(login: "ops-robotics", node: robot17) == .allowed(role: "dev"))
        #expect(access.checkAccess(login: "ubuntu", node: robot17) == .denied(reason: "role \"guard\" denies login \"ubuntu\""))
        // A missing trait grants nothing, and the template text itself is not a login.
        #expect(!access.checkAccess(login: "{{external.missing}}", node: robot17).isAllowed)
        #expect(!access.checkAccess(login: "ops-", node: robot17).isAllowed)
        #expect(try checker(roles).allowedLogins.isEmpty)
    }

    @Test("the shortest max_session_ttl wins")
    func sessionTTL() throws {
        let access = try checker([
            makeRole("a", options: RoleOptions(maxSessionTTL: .hours(8))),
            makeRole("b", options: RoleOptions(maxSessionTTL: .minutes(30))),
            makeRole("c", options: RoleOptions(maxSessionTTL: .hours(30))),
        ])
        #expect(access.maxSessionTTL == .minutes(30))
        #expect(try checker([]).maxSessionTTL == .hours(8))
    }

    @Test("port forwarding needs a yes and no explicit no", arguments: [
        ([nil], false),
        ([true], true),
        ([true, nil], true),
        ([true, false], false),
        ([false, nil], false),
        ([nil, nil], false),
    ] as [([Bool?], Bool)])
    func portForwarding(says: [Bool?], allowed: Bool) throws {
        let roles = says.enumerated().map { makeRole("r\($0.offset)", options: RoleOptions(portForwarding: $0.element)) }
        #expect(try checker(roles).portForwardingAllowed == allowed)
    }

    @Test("rules: allow by resource and verb, deny wins, * matches any")
    func rules() throws {
        let editor = Role(name: "editor", spec: RoleSpec(allow: RoleConditions(rules: [
            RoleRule(resources: ["role", "user"], verbs: ["list", "read", "create"]),
            RoleRule(resources: ["*"], verbs: ["list"]),
        ])))
        let noDelete = Role(name: "no-delete", spec: RoleSpec(
            allow: RoleConditions(rules: [RoleRule(resources: ["lock"], verbs: ["*"])]),
            deny: RoleConditions(rules: [RoleRule(resources: ["*"], verbs: ["delete"])])
        ))
        let access = try checker([editor, noDelete])
        #expect(access.checkRule(resource: "role", verb: "create") == .allowed(role: "editor"))
        #expect(access.allows(resource: "node", verb: "list"))
        #expect(!access.allows(resource: "node", verb: "read"))
        #expect(access.checkRule(resource: "lock", verb: "create") == .allowed(role: "no-delete"))
        #expect(access.checkRule(resource: "lock", verb: "delete") == .denied(reason: "role \"no-delete\" denies delete on lock"))
        #expect(access.checkRule(resource: "token", verb: "create") == .denied(reason: "no role of alice allows create on token"))
    }

    @Test("locks deny while in force")
    func locks() throws {
        let now = Date(timeIntervalSince1970: 1_769_882_400)
        let locks = [
            Lock(metadata: ResourceMetadata(name: "l1"), spec: LockSpec(target: .node("robot-17"), message: "stolen")),
            Lock(metadata: ResourceMetadata(name: "l2", expires: now.addingTimeInterval(-1)), spec: LockSpec(target: .user("alice"))),
        ]
        let access = try checker([makeRole("admin", logins: ["root"], allow: .everyNode)], policies: [LockPolicy(locks: locks, clock: FixedWallClock(now))])
        #expect(access.checkAccess(login: "root", node: robot17) == .denied(reason: "node robot-17 is locked by lock \"l1\": stolen"))
        // The user lock has expired.
        #expect(access.checkAccess(login: "root", node: NodeTarget(name: "robot-18", labels: [:])) == .allowed(role: "admin"))
        let userLock = Lock(metadata: ResourceMetadata(name: "l3", expires: now.addingTimeInterval(60)), spec: LockSpec(target: .user("alice")))
        let locked = try checker([makeRole("admin", logins: ["root"], allow: .everyNode)], policies: [LockPolicy(locks: [userLock], clock: FixedWallClock(now))])
        #expect(locked.checkAccess(login: "root", node: robot17) == .denied(reason: "user alice is locked by lock \"l3\""))
    }

    @Test("a user lock names the user's cluster: a root's alice and this cluster's alice are locked apart")
    func lockOrigins() {
        let clock = FixedWallClock(Date(timeIntervalSince1970: 1_769_882_400))
        let local = Lock(metadata: ResourceMetadata(name: "local"), spec: LockSpec(target: .user("alice"), message: "local"))
        let rooted = Lock(metadata: ResourceMetadata(name: "hub.lock-1"), spec: LockSpec(target: .user("alice"), message: "from hub.", origin: "hub"))
        #expect(LockPolicy(locks: [local], clock: clock).lock(user: "alice", origin: "hub", node: "n") == nil)
        #expect(LockPolicy(locks: [rooted], clock: clock).lock(user: "alice", origin: nil, node: "n") == nil)
        #expect(LockPolicy(locks: [rooted], clock: clock).lock(user: "alice", origin: "other", node: "n") == nil)
        #expect(LockPolicy(locks: [local, rooted], clock: clock).lock(user: "alice", origin: "hub", node: "n")?.name == "hub.lock-1")
        // The message's own period does not end the sentence twice.
        #expect(LockPolicy.reason(rooted) == "user alice of cluster hub is locked by lock \"hub.lock-1\": from hub")
        let nodeLockWithOrigin = Resource.lock(Lock(metadata: ResourceMetadata(name: "x"), spec: LockSpec(target: .node("n"), origin: "hub")))
        #expect(throws: TetherError.self) { try nodeLockWithOrigin.validate() }
    }

    @Test("DenyWins: any deny beats every allow, the first allow answers, silence abstains")
    func denyWins() {
        struct Fixed: NodeAccessPolicy {
            let decision: PolicyDecision
            func evaluate(_ request: NodeAccessRequest) -> PolicyDecision { decision }
        }
        let request = NodeAccessRequest(user: "alice", login: "root", node: robot17)
        #expect(DenyWins([Fixed(decision: .allow(grantedBy: "a")), Fixed(decision: .deny(reason: "no")), Fixed(decision: .allow(grantedBy: "b"))]).evaluate(request) == .deny(reason: "no"))
        #expect(DenyWins([Fixed(decision: .abstain), Fixed(decision: .allow(grantedBy: "a")), Fixed(decision: .allow(grantedBy: "b"))]).evaluate(request) == .allow(grantedBy: "a"))
        #expect(DenyWins([Fixed(decision: .abstain)]).evaluate(request) == .abstain)
        #expect(DenyWins([]).evaluate(request) == .abstain)
    }

    @Test("a role built in code with a bad pattern is refused, not silently ignored")
    func invalidRole() {
        let bad = makeRole("broken", logins: ["root"], deny: ["region": ["^us-($"]])
        #expect(throws: TetherError(.invalidArgument, "role \"broken\", spec.deny.node_labels.region: \"^us-($\" is not a valid regular expression; fix it or write an exact value.")) {
            try checker([bad])
        }
    }

    @Test("a node resource is checked with its static and command labels")
    func nodeTarget() {
        let node = NodeResource(
            metadata: ResourceMetadata(name: "robot-17", labels: ["customer": "acme", "kernel": "static"]),
            spec: NodeSpec(cmdLabels: [
                "kernel": CommandLabel(command: ["uname", "-r"], period: .minutes(1), result: "6.1.0"),
                "arch": CommandLabel(command: ["uname", "-m"], period: .minutes(1), result: "aarch64"),
                "uptime": CommandLabel(command: ["uptime"], period: .minutes(1)),
            ])
        )
        #expect(node.target == NodeTarget(name: "robot-17", labels: ["customer": "acme", "kernel": "static", "arch": "aarch64"]))
    }
}
