import Foundation
import Testing
import TetherAPI
import TetherAuth
import TetherCore
import TetherPolicy
import TetherStorage

/// The auth side of locks that travel: the policy generation every writer
/// bumps, the watch that wakes on it, and a leaf's copy of a root's locks.
@Suite struct LockFederationTests {
    @Test func anotherProcessWritingALockMovesTheGenerationAndWakesAWatch() async throws {
        let fixture = try Fixture()
        let watch = fixture.core.policyWatch
        let before = try watch.currentGeneration()
        let watching = Task { await watch.run() }
        defer { watching.cancel() }
        // tetherctl opens the same directory as a second AuthCore.
        let tetherctl = try AuthCore(cluster: Fixture.cluster, dataDirectory: fixture.directory.file("data"), passwordCost: testPasswordCost, clock: fixture.clock)
        async let woken = watch.waitForChange(from: before, limit: .seconds(300))
        _ = try tetherctl.admin.lock(.user("alice"), ttl: nil, message: "gone")
        #expect(await woken, "the watch waited for its limit, not the change")
        #expect(try watch.currentGeneration() > before)
        // Tokens are not policy: they leave the generation alone.
        let afterLock = try watch.currentGeneration()
        _ = try tetherctl.tokens.create(type: .node, ttl: .minutes(5))
        #expect(try watch.currentGeneration() == afterLock)
    }

    @Test func aLeafCopiesExactlyItsRootsUserLocksAndAuditsThemWithTheirOrigin() throws {
        let root = try Fixture()
        _ = try root.core.admin.lock(.user("alice"), ttl: nil, message: "stolen laptop")
        _ = try root.core.admin.lock(.node("hub-node"), ttl: nil, message: "root's own node")
        let set = try root.core.rootLocks.lockSet()
        #expect(set.locks.count == 1)

        let leaf = try Fixture()
        #expect(try leaf.core.rootLocks.apply(set, from: "hub") == 1)
        let copies = try leaf.core.resources.locks()
        let copy = try #require(copies.first)
        #expect(copies.count == 1)
        #expect(copy.spec.target == .user("alice") && copy.spec.origin == "hub" && copy.spec.message == "stolen laptop")
        #expect(copy.name.hasPrefix("hub."))
        // The same set again changes nothing and audits nothing.
        let created = try leaf.core.admin.searchAudit(AuditQuery(types: [AuthEvent.lockCreate]))
        #expect(created.count == 1)
        #expect(created.first?.event.fields["origin"]?.stringValue == "hub")
        #expect(created.first?.event.originCluster == "hub")
        _ = try leaf.core.rootLocks.apply(set, from: "hub")
        #expect(try leaf.core.admin.searchAudit(AuditQuery(types: [AuthEvent.lockCreate])).count == 1)

        // A lock the leaf made itself is no copy: the root's next set leaves it alone.
        try leaf.core.resources.put(.trustedCluster(TrustedCluster(name: "hub", spec: TrustedClusterSpec(token: nil, proxyAddr: "hub.example:443"))), mode: .createOnly)
        let own = try leaf.core.admin.lock(.user("alice"), origin: "hub", ttl: nil, message: "leaf says no")
        _ = try leaf.core.rootLocks.apply(RootLockSet(generation: set.generation + 1, locks: []), from: "hub")
        #expect(try leaf.core.resources.locks().map(\.name) == [own.name])
        let deleted = try leaf.core.admin.searchAudit(AuditQuery(types: ["lock.delete"]))
        #expect(deleted.count == 1 && deleted.first?.event.fields["origin"]?.stringValue == "hub")
    }
}
