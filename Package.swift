// swift-tools-version: 6.1

import PackageDescription

let package = Package(
    name: "dialgate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dialgated", targets: ["dialgated"]),
        .executable(name: "dialgate", targets: ["dialgate"]),
        .executable(name: "dialgate-agi", targets: ["dialgate-agi"]),
        .library(name: "DialGateCore", targets: ["DialGateCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
    ],
    targets: [
        // libsystemd, as Debian's libsystemd-dev ships it.
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        // The pure domain: numbers, lists, index, campaigns, calendar, policy. No I/O, no clock.
        .target(name: "DialGateCore"),
        // The domain's inputs from disk: the TOML configuration and the list directory.
        .target(
            name: "DialGateConfig",
            dependencies: [
                "DialGateCore", .product(name: "TOMLKit", package: "TOMLKit"),
                // SHA-256 of each list file, for the snapshot id and the manifest.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The wire protocol: line parsing and formatting, pure.
        .target(name: "DialGateProtocol", dependencies: ["DialGateCore"]),
        // Swift over libsystemd: notify, watchdog, listen fds, journal write and read.
        .target(name: "DialGateSystemd", dependencies: ["CSystemd"]),
        // The audit trail's pure parts, shared by the daemon and the `dialgate` command: the
        // journal field names and MESSAGE_IDs, number pseudonyms, continuity and read-back checks.
        .target(
            name: "DialGateAudit",
            dependencies: ["DialGateCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The durable ledger of runtime facts: codec, file, group-commit writer, replay, compaction.
        .target(name: "DialGateLedger", dependencies: ["DialGateCore"]),
        // The NIO transport: the Unix-socket listener, line framing, the connection handler, peer
        // credentials. It knows lines and sockets; what requests mean is the responder's.
        .target(
            name: "DialGateServer",
            dependencies: [
                "DialGateProtocol", "DialGateAudit", "DialGateClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The application: the gate, access roles, the audit writer, the reloader, the services
        // and the wiring of the daemon.
        .target(
            name: "DialGateDaemon",
            dependencies: [
                "DialGateCore", "DialGateConfig", "DialGateProtocol", "DialGateSystemd", "DialGateAudit",
                "DialGateLedger", "DialGateServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "dialgated",
            dependencies: [
                "DialGateDaemon", "DialGateConfig", "DialGateSystemd",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // A blocking line client for the Unix socket: the command-line tool's and the tests'.
        .target(name: "DialGateClient", dependencies: ["DialGateProtocol"]),
        .executableTarget(
            name: "dialgate",
            dependencies: [
                "DialGateCore", "DialGateConfig", "DialGateProtocol", "DialGateClient", "DialGateAudit", "DialGateSystemd",
                "DialGateLedger", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The Asterisk hook: an AGI program a dialplan runs before Dial() and after the call. It
        // links the blocking client side only (no NIO): it starts once per call.
        .executableTarget(
            name: "dialgate-agi",
            dependencies: [
                "DialGateClient", "DialGateProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "dialgate-bench",
            dependencies: [
                // DialGateConfig: the index benchmark loads lists through the daemon's loader.
                "DialGateCore", "DialGateConfig", "DialGateProtocol", "DialGateClient", "DialGateLedger",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "DialGateCoreTests",
            dependencies: ["DialGateCore", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(name: "DialGateConfigTests", dependencies: ["DialGateConfig", "DialGateCore"]),
        .testTarget(name: "DialGateProtocolTests", dependencies: ["DialGateProtocol"]),
        // What the tests that run programs share: a posix_spawn child process.
        .target(name: "DialGateTestSupport", path: "Tests/DialGateTestSupport"),
        .testTarget(
            name: "DialGateSystemdTests", dependencies: ["DialGateSystemd", "DialGateAudit", "DialGateClient", "DialGateTestSupport"]),
        .testTarget(
            name: "DialGateAuditTests",
            dependencies: ["DialGateAudit", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(
            name: "DialGateLedgerTests",
            dependencies: ["DialGateLedger", "DialGateCore", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "DialGateServerTests",
            dependencies: [
                "DialGateServer", "DialGateCore", "DialGateProtocol", "DialGateClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"), .product(name: "NIOTestUtils", package: "swift-nio"),
            ]),
        .testTarget(
            name: "DialGateDaemonTests",
            dependencies: [
                "DialGateDaemon", "DialGateLedger", "DialGateServer", "DialGateSystemd", "DialGateCore", "DialGateConfig",
                "DialGateProtocol", "DialGateAudit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .testTarget(
            name: "DialGateIntegrationTests",
            dependencies: [
                "DialGateProtocol", "DialGateClient", "DialGateCore", "DialGateSystemd", "DialGateAudit", "DialGateTestSupport",
                "dialgated", "dialgate", "dialgate-agi",
            ]
        ),
    ]
)
