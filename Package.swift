// swift-tools-version: 6.1

import PackageDescription

let package = Package(
    name: "dialgate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dialgated", targets: ["dialgated"]),
        .executable(name: "dialgate", targets: ["dialgate"]),
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
        // The pure domain: numbers, lists, index, campaigns, calendar, policy. No sockets, no clock.
        .target(
            name: "DialGateCore",
            dependencies: [.product(name: "TOMLKit", package: "TOMLKit")]
        ),
        // The wire protocol: line parsing and formatting, pure.
        .target(name: "DialGateProtocol", dependencies: ["DialGateCore"]),
        // Swift over libsystemd: notify, watchdog, listen fds, journal write and read.
        .target(name: "DialGateSystemd", dependencies: ["CSystemd"]),
        // The daemon's parts: gate, snapshot store, reloader, ledger, audit, NIO server.
        .target(
            name: "DialGateServer",
            dependencies: [
                "DialGateCore", "DialGateProtocol", "DialGateSystemd",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "dialgated",
            dependencies: [
                "DialGateServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // A blocking line client for the Unix socket: the command-line tool's and the tests'.
        .target(name: "DialGateClient", dependencies: ["DialGateProtocol"]),
        .executableTarget(
            name: "dialgate",
            dependencies: [
                "DialGateCore", "DialGateProtocol", "DialGateClient", "DialGateServer", "DialGateSystemd",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "dialgate-bench",
            dependencies: [
                "DialGateCore", "DialGateProtocol", "DialGateClient", "DialGateServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "DialGateCoreTests",
            dependencies: ["DialGateCore", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(name: "DialGateProtocolTests", dependencies: ["DialGateProtocol"]),
        // What the tests that run programs share: a posix_spawn child process.
        .target(name: "DialGateTestSupport", path: "Tests/DialGateTestSupport"),
        .testTarget(name: "DialGateSystemdTests", dependencies: ["DialGateSystemd", "DialGateTestSupport"]),
        .testTarget(
            name: "DialGateServerTests",
            dependencies: [
                "DialGateServer", "DialGateSystemd", "DialGateCore", "DialGateProtocol",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"), .product(name: "NIOTestUtils", package: "swift-nio"),
            ]),
        .testTarget(
            name: "DialGateIntegrationTests",
            dependencies: ["DialGateProtocol", "DialGateClient", "DialGateCore", "DialGateSystemd", "DialGateTestSupport", "dialgated", "dialgate"]
        ),
    ]
)
