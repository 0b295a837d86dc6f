import Foundation
import Testing
import TetherTestSupport

/// Issue 5, "Behind NAT, for real": devices in Linux network namespaces behind
/// NAT and carrier NAT, reached only through the tunnels they dial out, a
/// tunnel that follows its device from one uplink to another, and a leaf
/// cluster whose whole site sits behind NAT. Needs root and nftables;
/// cancelled with the reason elsewhere.
@Suite(.serialized) struct NATTopologyTests {
    /// Device namespace, its NAT router, and the router whose uplink the hub
    /// sees (the carrier's, behind double NAT).
    static let sites = [
        (device: "dallas-robot", router: "dallas-gw", outermost: "dallas-gw"),
        (device: "plant-charger", router: "plant-gw", outermost: "plant-cgn"),
    ]

    @Test func devicesBehindNATAndCarrierNATAreReachedOnlyThroughTheirTunnels() async throws {
        try await NATLab.run { lab in
            for site in Self.sites { try await lab.hub.startNode(site.device, labels: "{site: \(site.router)}") }
            let login = try await lab.loginAlice()
            #expect(login.status == 0, "\(login.stderr)")

            for site in Self.sites {
                let device = try #require(try await lab.address(of: site.device, "eth0"))
                // Nothing outside reaches the device: its NAT router drops the SYN
                // (a timeout), though on its own LAN the device answers at once.
                #expect(try await lab.probe(from: "inet", to: device, port: 22) == .timedOut)
                #expect(try await lab.probe(from: site.router, to: device, port: 22) == .refused)
                if site.outermost != site.router {
                    #expect(try await lab.probe(from: site.outermost, to: device, port: 22) == .timedOut, "the carrier reaches \(site.device)")
                }

                // Yet a session reaches it through its tunnel, and runs in its namespace.
                let target = "\(lab.login)@\(site.device)"
                let reached = try await eventually { try await lab.tether(["ssh", target, "true"]).status == 0 }
                #expect(reached, "\(site.device) not reachable: \(lab.log(of: site.device))")
                let addresses = try await lab.tether(["ssh", target, "hostname", "-I"])
                #expect(addresses.status == 0, "\(addresses.stderr)")
                #expect(addresses.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == device)
            }

            // The cluster sees each device as its outermost router's uplink: the
            // proxy's connections come from there, never from a site's inside.
            let peers = try await lab.hub.proxyPeers()
            for site in Self.sites {
                let uplink = try #require(try await lab.address(of: site.outermost, "wan"))
                #expect(peers.contains(uplink), "no connection from \(site.outermost) (\(uplink)) among \(peers)")
                #expect(!peers.contains(try #require(try await lab.address(of: site.device, "eth0"))))
            }
            #expect(!peers.contains(try #require(try await lab.address(of: "plant-gw", "wan"))), "the inner NAT of the carrier site shows")

            // The audit log says the same.
            let robotUplink = try #require(try await lab.address(of: "dallas-gw", "wan"))
            let robotID = try await lab.hub.hostID(of: "dallas-robot")
            let connects = try await lab.hub.audit("tunnel.connect").filter { $0.hostID == robotID }
            #expect(!connects.isEmpty)
            #expect(connects.allSatisfy { $0.remoteAddr == robotUplink }, "\(connects.map(\.remoteAddr))")
            let joins = try await lab.hub.audit("node.join").filter { $0.hostID == robotID }
            #expect(joins.map(\.remoteAddr) == [robotUplink])
        }
    }

    @Test func tunnelFollowsTheRoverFromCellularToSatellite() async throws {
        try await NATLab.run { lab in
            try await lab.hub.startNode("rover", labels: "{kind: rover}")
            #expect(try await lab.loginAlice().status == 0)
            let target = "\(lab.login)@rover"
            let cellular = try #require(try await lab.address(of: "rover", "cell"))
            #expect(try await eventually { try await lab.tether(["ssh", target, "true"]).status == 0 }, "\(lab.log(of: "rover"))")
            #expect(try await lab.tether(["ssh", target, "hostname", "-I"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == cellular)
            #expect(try await lab.hub.proxyPeers().contains(try #require(try await lab.address(of: "rover-cell", "wan"))))
            let hostID = try await lab.hub.hostID(of: "rover")

            let switched = Date()
            try await lab.switchUplink(of: "rover", to: "sat")
            #expect(try await lab.address(of: "rover", "cell") == nil, "the cellular address outlived its uplink")
            let satellite = try #require(try await lab.address(of: "rover", "sat"))

            // Nobody touches the node: it notices the dead path and dials again.
            var reconnected: Date?
            let back = try await eventually(timeout: .seconds(60)) {
                reconnected = try await lab.hub.audit("tunnel.connect").lazy
                    .filter { $0.hostID == hostID }.compactMap(\.date).first { $0 > switched }
                return reconnected != nil
            }
            #expect(back, "the rover's tunnel did not come back within 60 s: \(lab.log(of: "rover"))")
            if let reconnected {
                let seconds = reconnected.timeIntervalSince(switched)
                print("transport switch: tunnel back after \(String(format: "%.1f", seconds)) s "
                    + "(keepalive_interval \(NATLab.keepaliveInterval), max_backoff \(NATLab.maxBackoff))")
            }

            // A new session works, over the satellite link.
            #expect(try await eventually { try await lab.tether(["ssh", target, "true"]).status == 0 })
            let addresses = try await lab.tether(["ssh", target, "hostname", "-I"])
            #expect(addresses.status == 0, "\(addresses.stderr)")
            #expect(addresses.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == satellite)
            #expect(try await lab.hub.proxyPeers().contains(try #require(try await lab.address(of: "rover-sat", "wan"))))
        }
    }

    /// A customer site running a leaf cluster: its auth + proxy and a device
    /// on the site's LAN behind the NAT, the hub on the internet. Everything
    /// at the site dials out: the leaf to the hub (to establish its trust,
    /// then its tunnel), the device to the leaf.
    @Test func hubUserReachesADeviceOfALeafClusterBehindNAT() async throws {
        try await NATLab.run { lab in
            let leaf = try await lab.startCluster("dallas", in: "dallas-leaf", iface: "eth0", roles: NATCluster.role("site-access"))
            try await leaf.trust(lab.hub, roleMap: "- {remote: all-nodes, local: [site-access]}")
            try await leaf.startNode("dallas-robot", labels: "{site: dallas}")
            #expect(try await lab.loginAlice().status == 0)

            // A hub user's session crosses the hub, the leaf's tunnel and the
            // device's tunnel, and runs on the site's LAN.
            let target = ["ssh", "--cluster", leaf.name, "\(lab.login)@dallas-robot"]
            let reached = try await eventually(timeout: .seconds(30)) { try await lab.tether(target + ["true"]).status == 0 }
            #expect(reached, "dallas-robot not reachable through the leaf: \(lab.log(of: "dallas"))\n\(lab.log(of: "dallas-robot"))")
            let addresses = try await lab.tether(target + ["hostname", "-I"])
            #expect(addresses.status == 0, "\(addresses.stderr)")
            #expect(addresses.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == (try await lab.address(of: "dallas-robot", "eth0")))

            // The hub knows the leaf only as the site router's uplink.
            let uplink = try #require(try await lab.address(of: "dallas-gw", "wan"))
            let connects = try await lab.hub.audit("tunnel.connect").filter { $0.leafCluster == leaf.name }
            #expect(!connects.isEmpty)
            #expect(connects.allSatisfy { $0.remoteAddr == uplink }, "\(connects.map(\.remoteAddr))")

            // And nothing on the internet reaches the leaf's proxy, though the
            // site's own devices do.
            #expect(try await lab.probe(from: "inet", to: leaf.address, port: NATLab.proxyPort) == .timedOut)
            #expect(try await lab.probe(from: "dallas-robot", to: leaf.address, port: NATLab.proxyPort) == .connected)
        }
    }
}
