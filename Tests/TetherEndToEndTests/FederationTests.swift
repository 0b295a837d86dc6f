import Foundation
import Testing
import TetherTestSupport

/// Issue acceptance for trusted clusters: a root and two leaves as real
/// processes on 127.0.0.1.
@Suite(.serialized) struct FederationTests {
    @Test func rootUserReachesLeafNodesOnlyThroughTheLeafRoleMap() async throws {
        try await FederationFixture().use { federation in
            let (hub, acme, globex) = (federation.hub, federation.acme, federation.globex)
            // The auth service's internal port answers a login too, but is no proxy: refused, naming the proxy.
            let atAuth = try await hub.tether(
                ["login", "--proxy", "127.0.0.1:\(hub.authPort)", "--user", "alice", "--password-stdin", "--ca-pin", hub.caPin],
                stdin: ClusterFixture.password + "\n")
            #expect(atAuth.status != 0)
            #expect(atAuth.stderr.contains("is cluster hub's auth endpoint, not its proxy; log in through the proxy instead: tether login --proxy 127.0.0.1:\(hub.proxyPort)."), "\(atAuth.stderr)")
            let login = try await hub.loginAlice()
            #expect(login.status == 0, "\(login.stderr)")

            // One login at the root; every cluster online.
            #expect(try await eventually { try await federation.clusterStatus() == ["hub": true, "acme": true, "globex": true] })
            #expect(try await eventually { try await hub.tether(["ls", "--cluster", "acme", "--format", "json"]).stdout.contains("node-a") })
            // No node of the root's is alice's: `tether ls` says where hers may be.
            let rootListing = try await hub.tether(["ls"])
            #expect(rootListing.status == 0 && !rootListing.stdout.contains("hub-node"), "\(rootListing.stdout)")
            #expect(rootListing.stderr.contains("no node of cluster hub is visible to you, but it has leaf clusters (acme, globex): run tether ls --cluster NAME"), "\(rootListing.stderr)")

            // acme admits alice through ^acme-(.*)$ → site-$1, on its own node-a.
            let hostname = try await hub.tether(["ssh", "--cluster", "acme", "\(hub.login)@node-a", "echo", "in-acme"])
            #expect(hostname.status == 0, "\(hostname.stderr)")
            #expect(hostname.stdout == "in-acme\n")
            let exit5 = try await hub.tether(["ssh", "--cluster", "acme", "\(hub.login)@node-a", "exit 5"])
            #expect(exit5.status == 5, "\(exit5.stderr)")
            // NODE.CLUSTER, the name `tether config` teaches, needs no --cluster; a miss names the leaf's listing.
            let dotted = try await hub.tether(["ssh", "\(hub.login)@node-a.acme", "echo", "dotted"])
            #expect(dotted.status == 0, "\(dotted.stderr)")
            #expect(dotted.stdout == "dotted\n")
            let missing = try await hub.tether(["ssh", "--cluster", "acme", "\(hub.login)@robot-99", "true"])
            #expect(missing.stderr.contains("no node named robot-99 in cluster acme is visible to you; run tether ls --cluster acme to see"), "\(missing.stderr)")

            // globex maps no role of alice's: refused, with the reason, and audited there.
            let refused = try await hub.tether(["ssh", "--cluster", "globex", "\(hub.login)@node-a", "true"])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("maps to no role in cluster globex"), "\(refused.stderr)")
            #expect(try await federation.auditEvents(of: globex, type: "auth.failed").contains { ($0["origin_cluster"] as? String) == "hub" })
            #expect(try await federation.auditEvents(of: globex, type: "session.start").isEmpty)
            let globexRefusals = try await federation.auditEvents(of: globex, type: "auth.failed").count

            // Stock ssh through `tether config` reaches the acme node.
            let path = try await hub.sshConfigFile()
            let stock = try await hub.ssh(["-F", path, "-o", "BatchMode=yes", "\(hub.login)@node-a.acme", "echo", "stock"])
            #expect(stock.status == 0, "\(stock.stderr)")
            #expect(stock.stdout == "stock\n")
            // Listing globex (for the config, or asked) is no attempt on it: nothing more is audited there.
            #expect(try await hub.tether(["ls", "--cluster", "globex"]).stderr.contains("maps to no role in cluster globex"))
            #expect(try await federation.auditEvents(of: globex, type: "auth.failed").count == globexRefusals)

            // A node alice may not see: the proxy refuses stock ssh in tether ssh's words, before the node shows its host key.
            let hidden = try await hub.ssh(["-F", path, "-o", "BatchMode=yes", "\(hub.login)@hub-node.hub", "true"])
            let viaTether = try await hub.tether(["ssh", "\(hub.login)@hub-node", "true"])
            #expect(hidden.status != 0 && viaTether.status != 0)
            #expect(viaTether.stderr.contains("no node named hub-node in cluster hub is visible to you; run tether ls"), "\(viaTether.stderr)")
            #expect(hidden.stderr.contains(viaTether.stderr), "\(hidden.stderr)")
            #expect(!hidden.stderr.lowercased().contains("host key"), "\(hidden.stderr)")
            #expect(try await federation.auditEvents(of: hub, type: "auth.failed").contains { $0["node"] as? String == "hub-node" && $0["user"] as? String == "alice" })

            // scp, sftp and rsync through the same file, to and from the leaf node (which runs on this machine).
            let target = "\(hub.login)@node-a.acme"
            let transfers = acme.directory.path("transfers")
            try FileManager.default.createDirectory(atPath: transfers, withIntermediateDirectories: false)
            let upload = try hub.directory.write("to the leaf\n", to: "upload.txt")
            let fetched = hub.directory.path("fetched.txt")
            let batch = try hub.directory.write("get \(transfers)/scp.txt \(fetched)\n", to: "sftp-batch")
            for (tool, arguments) in [
                ("scp", ["-F", path, "-o", "BatchMode=yes", upload, "\(target):\(transfers)/scp.txt"]),
                ("sftp", ["-F", path, "-b", batch, target]),
                ("rsync", ["-e", "ssh -F \(path) -o BatchMode=yes", upload, "\(target):\(transfers)/rsync.txt"]),
            ] {
                let transfer = try await hub.stockClient(tool, arguments)
                #expect(transfer.status == 0, "\(tool): \(transfer.stderr)")
            }
            for copy in ["\(transfers)/scp.txt", fetched, "\(transfers)/rsync.txt"] {
                #expect((try? String(contentsOfFile: copy, encoding: .utf8)) == "to the leaf\n", "\(copy)")
            }
            #expect(try await eventually {
                try await federation.auditEvents(of: acme, type: "sftp").contains { $0["path"] as? String == "\(transfers)/scp.txt" && $0["user"] as? String == "alice" }
            })

            // Session records stay in acme, with alice's root identity and mapped roles.
            // (Nodes deliver their spooled events in the background.)
            #expect(try await eventually { try await federation.auditEvents(of: acme, type: "session.start").count >= 3 })
            let starts = try await federation.auditEvents(of: acme, type: "session.start")
            for start in starts {
                #expect(start["user"] as? String == "alice")
                #expect(start["origin_cluster"] as? String == "hub")
                #expect(start["origin_roles"] as? [String] == ["acme-support"])
                #expect(start["roles"] as? [String] == ["site-support"])
            }
            let sessionID = try #require(starts.first?["session_id"] as? String)
            #expect(try await eventually {
                let types = try await federation.auditEvents(of: acme).filter { $0["session_id"] as? String == sessionID }.compactMap { $0["event"] as? String }
                return types.contains("session.data") && types.contains("session.end")
            })
            let hubEvents = try await federation.auditEvents(of: hub).compactMap { $0["event"] as? String }
            #expect(!hubEvents.contains { $0.hasPrefix("session.") || ["exec", "sftp", "scp"].contains($0) }, "\(hubEvents)")
            #expect(hubEvents.contains("proxy.route"))
            for cluster in [hub, acme, globex] {
                let verify = try await cluster.tetherctl(["audit", "verify"])
                #expect(verify.status == 0, "\(cluster.cluster): \(verify.stdout) \(verify.stderr)")
            }

            // The session replays through the root, read from acme's log.
            let play = try await hub.tether(["play", "--cluster", "acme", "--speed", "0", sessionID])
            #expect(play.status == 0, "\(play.stderr)")
            #expect(play.stdout.contains("in-acme"))
            // Without --cluster: the root never recorded it, says where to look, and refused nothing.
            let unnamed = try await hub.tether(["play", "--speed", "0", sessionID])
            #expect(unnamed.status != 0)
            #expect(unnamed.stderr.contains("cluster hub has no recording of session \(sessionID); if it ran in a leaf cluster (acme, globex), run tether play --cluster NAME \(sessionID)."), "\(unnamed.stderr)")
            #expect(try await federation.auditEvents(of: hub, type: "auth.failed").allSatisfy { $0["session_id"] as? String != sessionID })

            // A leaf node that is gone: the leaf refuses the session, and alice reads why.
            await acme.kill("node-a")
            let gone = try await hub.tether(["ssh", "--cluster", "acme", "\(hub.login)@node-a", "true"])
            #expect(gone.status != 0)
            #expect(gone.stderr.contains("node node-a is offline"), "\(gone.stderr)")
        }
    }

    @Test func leafOutagesDisabledTrustAndImpostors() async throws {
        try await FederationFixture().use { federation in
            let (hub, acme) = (federation.hub, federation.acme)
            #expect(try await hub.loginAlice().status == 0)
            #expect(try await eventually { try await federation.clusterStatus()["acme"] == true })

            // The leaf proxy dies: offline at the root, sessions fail fast and say so.
            await acme.kill("auth-proxy")
            #expect(try await eventually { try await federation.clusterStatus()["acme"] == false })
            let offline = try await hub.tether(["ssh", "--cluster", "acme", "\(hub.login)@node-a", "true"])
            #expect(offline.status != 0)
            #expect(offline.stderr.contains("cluster acme is offline (last seen"), "\(offline.stderr)")

            // It comes back with no operator action.
            try await acme.startAuthAndProxy()
            #expect(try await eventually { try await federation.clusterStatus()["acme"] == true })
            #expect(try await eventually {
                try await hub.tether(["ssh", "--cluster", "acme", "\(hub.login)@node-a", "true"]).status == 0
            })

            // Disabling the trust ends an open session (one that outlives the test) and refuses new ones.
            let session = try hub.startTether(["ssh", "--cluster", "acme", "\(hub.login)@node-a", "sleep 3600"])
            defer { session.kill() }
            #expect(try await eventually { try await federation.auditEvents(of: acme, type: "session.start").count >= 2 })
            let token = try await federation.hubToken()
            _ = try acme.directory.write(federation.trustedCluster(token: token, roleMap: #"- {remote: "^acme-(.*)$", local: ["site-$1"]}"#, enabled: false), to: "disabled.yaml")
            try ClusterBootstrap.expectSuccess(try await acme.tetherctl(["create", "-f", acme.directory.path("disabled.yaml")]), "disable trust")
            #expect(try await eventually { !session.isRunning })
            let refused = try await hub.tether(["ssh", "--cluster", "acme", "\(hub.login)@node-a", "true"])
            #expect(refused.status != 0)

            // The spent token is not kept, and a rewrite needs none.
            let stored = try await acme.tetherctl(["get", "trusted_clusters", "hub", "--format", "json"])
            #expect(stored.status == 0 && stored.stdout.contains("proxy_addr") && !stored.stdout.contains("token"), "\(stored.stdout)")

            // Enabled again, with a live role_map edit that no longer maps alice.
            _ = try acme.directory.write(federation.trustedCluster(token: nil, roleMap: "- {remote: ops, local: [site-support]}"), to: "edited.yaml")
            try ClusterBootstrap.expectSuccess(try await acme.tetherctl(["create", "-f", acme.directory.path("edited.yaml")]), "edit trust")
            #expect(try await eventually { try await federation.clusterStatus()["acme"] == true })
            let unmapped = try await hub.tether(["ssh", "--cluster", "acme", "\(hub.login)@node-a", "true"])
            #expect(unmapped.stderr.contains("maps to no role in cluster acme"), "\(unmapped.stderr)")

            // Another cluster calling itself acme, with its own CA, is refused by the root.
            try await ClusterFixture(cluster: "acme", roles: FederationFixture.leafRoles("site-support", customer: "acme"), users: [], nodes: []).use { impostor in
                let token2 = try await federation.hubToken()
                _ = try impostor.directory.write(federation.trustedCluster(token: token2, roleMap: "- {remote: acme-support, local: [site-support]}"), to: "trust.yaml")
                let claimed = try await impostor.tetherctl(["create", impostor.directory.path("trust.yaml")])
                #expect(claimed.status != 0)
                #expect(claimed.stderr.contains("already trusts hub"), "\(claimed.stderr)")
                #expect(try await federation.auditEvents(of: hub, type: "auth.failed").contains { ($0["reason"] as? String)?.contains("acme") == true })
            }

            // The root ends the trust: the leaf is gone from the list and its tunnel refused.
            try ClusterBootstrap.expectSuccess(try await hub.tetherctl(["rm", "remote_cluster/acme"]), "rm remote_cluster")
            #expect(try await eventually { try await federation.clusterStatus()["acme"] == nil })
            #expect(try await eventually {
                try await hub.tether(["ssh", "--cluster", "acme", "\(hub.login)@node-a", "true"]).stderr.contains("cluster acme is not a leaf")
            })
        }
    }
}
