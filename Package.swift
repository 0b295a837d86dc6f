// swift-tools-version:6.1
// Tether: identity-based remote access through reverse tunnels, federated
// across clusters. Module dependencies point one way: pure logic at the
// bottom (Core, Identity, Policy, API, Config), I/O above (Storage, Tunnel,
// Transport), the services above that (Auth, Proxy, Node, Client), and thin
// executables on top. docs/architecture.md draws the map.
import PackageDescription

let nio: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
]
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let lifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "Tether",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tetherd", targets: ["tetherd"]),
        .executable(name: "tether", targets: ["tether"]),
        .executable(name: "tetherctl", targets: ["tetherctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-nio-ssh.git", exact: "0.15.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // Already in the graph through hummingbird; named for their HTTP types.
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.20.0"),
    ],
    targets: [
        // MARK: pure logic

        // Errors, wall clock, durations, labels.
        .target(name: "TetherCore"),

        // Keys, OpenSSH certificates, the X.509 TLS authority.
        .target(
            name: "TetherIdentity",
            dependencies: [
                "TetherCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),

        // Resources (YAML/JSON), RBAC decisions, role mapping.
        .target(name: "TetherPolicy", dependencies: ["TetherCore", .product(name: "Yams", package: "Yams")]),

        // Wire contracts between services and clients: JSON bodies, ALPN ids,
        // routing headers.
        .target(name: "TetherAPI", dependencies: ["TetherCore"]),

        // The `tetherd` configuration file.
        .target(name: "TetherConfig", dependencies: ["TetherCore", "TetherPolicy"]),

        // MARK: I/O building blocks

        // System zlib, for compressed session recordings.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),

        // fork/exec for sessions (PTY or pipes, privilege drop) in C, so that
        // no Swift code runs between fork and exec.
        .target(name: "CTetherSpawn"),

        // Storage protocol, the SQLite backend, the hash-chained audit log and
        // session recordings, the bounded audit sink (a Service) that keeps
        // their writes off event loops. Knows resources only as kind/name/JSON.
        .target(
            name: "TetherStorage",
            dependencies: nio + [
                "TetherCore", "CZlib", logging, lifecycle,
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // Reverse tunnels: HTTP/2 over one outbound connection (the dialler is
        // the HTTP/2 server), PING liveness, reconnect with backoff, splicing.
        .target(
            name: "TetherTunnel",
            dependencies: nio + [
                "TetherCore", logging,
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ]
        ),

        // TLS 1.3 settings from Tether identities, peer identity, the HTTPS
        // JSON client and first-contact CA pinning.
        .target(
            name: "TetherTransport",
            dependencies: nio + [
                "TetherCore", "TetherIdentity", "TetherAPI",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),

        // MARK: services

        // The auth service: CAs, users, tokens, logins, joins, presence, audit
        // ingestion, its mTLS API, and the admin operations tetherctl runs.
        .target(
            name: "TetherAuth",
            dependencies: nio + [
                "TetherCore", "TetherIdentity", "TetherPolicy", "TetherStorage", "TetherAPI", "TetherTransport",
                logging, lifecycle,
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),

        // The proxy: one port (TLS with ALPN routing, plain-SSH detection),
        // tunnel hub, SSH routing, the public HTTPS API.
        .target(
            name: "TetherProxy",
            dependencies: nio + [
                "TetherCore", "TetherIdentity", "TetherAPI", "TetherTransport", "TetherTunnel",
                logging, lifecycle,
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // RelayedHTTPReading runs the relayed API's readers on bytes alone, for the fuzz target.
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),

        // The node: SSH server, sessions and processes, RBAC at the node,
        // recording, the audit spool, heartbeats, joining, its tunnel.
        .target(
            name: "TetherNode",
            dependencies: nio + [
                "TetherCore", "CTetherSpawn", "TetherIdentity", "TetherPolicy", "TetherStorage", "TetherAPI",
                "TetherTransport", "TetherTunnel", logging, lifecycle,
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // The user's side: profile, login, SSH through the proxy, OpenSSH
        // config, playback.
        .target(
            name: "TetherClient",
            dependencies: nio + [
                "TetherCore", "TetherIdentity", "TetherAPI", "TetherTransport", logging,
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // MARK: executables (thin)

        // Shared command-line plumbing (output formats, tables, stdin secrets).
        .target(
            name: "TetherCLIKit",
            dependencies: ["TetherCore", argumentParser, .product(name: "Yams", package: "Yams")]
        ),
        .executableTarget(
            name: "tetherd",
            dependencies: ["TetherCLIKit", "TetherCore", "TetherConfig", "TetherStorage", "TetherAuth", "TetherProxy", "TetherNode", argumentParser, logging, lifecycle]
        ),
        .executableTarget(
            name: "tether",
            dependencies: ["TetherCLIKit", "TetherCore", "TetherClient", argumentParser]
        ),
        .executableTarget(
            name: "tetherctl",
            dependencies: ["TetherCLIKit", "TetherCore", "TetherConfig", "TetherPolicy", "TetherStorage", "TetherIdentity", "TetherAuth", argumentParser] + nio
        ),
        .executableTarget(
            name: "tether-bench",
            dependencies: nio + [
                "TetherCore", "TetherStorage", "TetherIdentity", "TetherAPI", "TetherTransport", "TetherTunnel", "TetherAuth",
                "TetherClient", logging, .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "bench/Sources/tether-bench"
        ),

        // MARK: fuzzing

        // One libFuzzer target per parser of untrusted bytes (bench/fuzz runs
        // them; Fuzz/corpus holds their seeds), shared by the fuzzer binary
        // and the regression suite that replays seeds and past crashes.
        .target(
            name: "TetherFuzzTargets",
            dependencies: [
                "TetherCore", "TetherIdentity", "TetherPolicy", "TetherConfig", "TetherAPI", "TetherStorage",
                "TetherTunnel", "TetherProxy", "TetherNode",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ],
            path: "Fuzz/TetherFuzzTargets"
        ),
        // Not a product: bench/fuzz builds it with sanitizers; a plain build replays inputs.
        .executableTarget(name: "TetherFuzz", dependencies: ["TetherFuzzTargets"], path: "Fuzz/TetherFuzz"),

        // MARK: tests

        // Helpers shared by test targets: child processes, free ports, temp dirs.
        .target(name: "TetherTestSupport", dependencies: ["TetherCore", "TetherConfig"], path: "Tests/TetherTestSupport"),

        .testTarget(name: "TetherCoreTests", dependencies: ["TetherCore"]),
        .testTarget(name: "TetherIdentityTests", dependencies: ["TetherIdentity", "TetherCore", "TetherTestSupport"]),
        .testTarget(name: "TetherPolicyTests", dependencies: ["TetherPolicy", "TetherCore"]),
        .testTarget(name: "TetherConfigTests", dependencies: ["TetherConfig", "TetherCore"]),
        .testTarget(name: "TetherStorageTests", dependencies: ["TetherStorage", "TetherCore", "TetherTestSupport", logging, lifecycle]),
        .testTarget(
            name: "TetherTunnelTests",
            dependencies: nio + [
                "TetherTunnel", "TetherCore", "TetherTestSupport",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            ]
        ),
        .testTarget(
            name: "TetherAuthTests",
            dependencies: nio + ["TetherAuth", "TetherCore", "TetherIdentity", "TetherPolicy", "TetherStorage", "TetherAPI", "TetherTransport", "TetherTestSupport"]
        ),
        .testTarget(
            name: "TetherNodeTests",
            dependencies: nio + [
                "TetherNode", "TetherCore", "TetherIdentity", "TetherPolicy", "TetherStorage", "TetherAPI", "TetherTransport",
                "TetherTunnel", "TetherTestSupport", logging,
                "TetherAuth",  // a real auth service to join and renew against
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
            ]
        ),
        .testTarget(
            name: "TetherClientTests",
            dependencies: nio + [
                "TetherClient", "TetherCore", "TetherIdentity", "TetherAPI", "TetherTransport", "TetherTestSupport",
                // In-process stand-ins for the proxy and a node: TLS, ALPN routing, HTTP, an SSH server.
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "TetherProxyTests",
            dependencies: nio + [
                "TetherProxy", "TetherCore", "TetherIdentity", "TetherAPI", "TetherTransport", "TetherTunnel", "TetherTestSupport", logging,
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                // The CONNECT handler and the sniffer driven over EmbeddedChannel.
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Real processes: tetherd, tether, tetherctl, stock ssh, on 127.0.0.1.
        .testTarget(
            name: "TetherEndToEndTests",
            dependencies: nio + [
                "TetherCore", "TetherTestSupport", logging,
                // A rogue leaf proxy in the test: the leaf's own CA, its tunnel, its answers.
                "TetherAuth", "TetherAPI", "TetherIdentity", "TetherTransport", "TetherTunnel",
                .product(name: "Crypto", package: "swift-crypto"),
                // A server presenting a stolen node's certificate.
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // Every seed and past crash of every fuzz target, replayed.
        .testTarget(name: "TetherFuzzTests", dependencies: ["TetherFuzzTargets"]),
        .testTarget(name: "TetherCLITests", dependencies: ["TetherCore", "TetherCLIKit", "TetherTestSupport"]),
        .testTarget(
            name: "TetherTopologyTests",
            dependencies: ["TetherCore", "TetherTestSupport", .product(name: "Yams", package: "Yams")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
