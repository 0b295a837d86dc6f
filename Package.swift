// swift-tools-version:6.1
// Tether: identity-based remote access through reverse tunnels, federated
// across clusters. Module dependencies point one way: pure logic at the
// bottom (Core, Identity, Policy), I/O above (Storage), executables on top.
import PackageDescription

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
    ],
    targets: [
        // Pure logic: errors, wall clock, durations, labels.
        .target(name: "TetherCore"),

        // Keys, OpenSSH certificates and the X.509 TLS authority. Pure: no I/O
        // beyond reading/writing key files handed to it.
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

        // Resources (YAML/JSON), RBAC decisions and role mapping. Pure.
        .target(
            name: "TetherPolicy",
            dependencies: [
                "TetherCore",
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        // System zlib, for compressed session recordings.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),

        // fork/exec for sessions (PTY or pipes, privilege drop) in C, so that
        // no Swift code runs between fork and exec.
        .target(name: "CTetherSpawn"),

        // Storage protocol, the SQLite backend, the hash-chained audit log and
        // session recordings. Knows resources only as kind/name/JSON, so it
        // does not depend on the policy model.
        .target(
            name: "TetherStorage",
            dependencies: [
                "TetherCore",
                "CZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // Reverse tunnels: HTTP/2 over one outbound connection (the agent is the
        // HTTP/2 server), PING liveness, reconnect with backoff.
        .target(
            name: "TetherTunnel",
            dependencies: [
                "TetherCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The node service: sessions, processes, SSH server (grows with issue 3).
        .target(name: "TetherNode", dependencies: ["TetherCore", "CTetherSpawn"]),

        // Shared command-line plumbing (output formats, error reporting).
        .target(
            name: "TetherCLIKit",
            dependencies: [
                "TetherCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        .executableTarget(
            name: "tetherd",
            dependencies: [
                "TetherCLIKit", "TetherCore", "TetherPolicy", "TetherStorage", "TetherIdentity",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "tether",
            dependencies: [
                "TetherCLIKit", "TetherCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "tetherctl",
            dependencies: [
                "TetherCLIKit", "TetherCore", "TetherPolicy", "TetherStorage", "TetherIdentity",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .executableTarget(
            name: "tether-bench",
            dependencies: ["TetherCore", "TetherStorage", "TetherIdentity"],
            path: "bench/Sources/tether-bench"
        ),

        .testTarget(name: "TetherCoreTests", dependencies: ["TetherCore"]),
        .testTarget(name: "TetherIdentityTests", dependencies: ["TetherIdentity", "TetherCore"]),
        .testTarget(name: "TetherPolicyTests", dependencies: ["TetherPolicy", "TetherCore"]),
        .testTarget(name: "TetherStorageTests", dependencies: ["TetherStorage", "TetherCore"]),
        .testTarget(
            name: "TetherTunnelTests",
            dependencies: [
                "TetherTunnel", "TetherCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            ]
        ),
        .testTarget(name: "TetherNodeTests", dependencies: ["TetherNode", "TetherCore"]),
        .testTarget(name: "TetherCLITests", dependencies: ["TetherCore"]),
    ],
    swiftLanguageModes: [.v6]
)
