// swift-tools-version: 6.1

// The benchmarks' own package, apart from the main one so that its build stays light:
// `loadgen`, a load generator for line protocols over Unix sockets. `Benchmarks/run` builds it
// (release) with the C servers in c/ and runs everything; BENCHMARKS.md at the top level has
// the figures.

import PackageDescription

let package = Package(
    name: "dialgate-benchmarks",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "loadgen", targets: ["loadgen"])
    ],
    dependencies: [
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0")
    ],
    targets: [
        // <sys/epoll.h>, which Glibc's module does not export.
        .target(name: "CEpoll"),
        .executableTarget(
            name: "loadgen",
            dependencies: ["CEpoll", .product(name: "Histogram", package: "hdrhistogram-swift")]
        ),
    ]
)
