// swift-tools-version:6.1
import PackageDescription

// The benchmarks of swift-oncrpc, a package of its own so the root package never depends on
// package-benchmark. Two ways in:
//   swift package benchmark                 package-benchmark suites (throughput, latency
//                                           percentiles, malloc counts, allocation thresholds)
//   ./compare.sh                            the same workloads against libtirpc, as ratios
let package = Package(
    name: "swift-oncrpc-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-oncrpc", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The workload types, generated from bench.x by the build plugin, the records of the
        // XDR workload, the benchmark service and latency statistics.
        .target(
            name: "BenchShared",
            dependencies: [
                .product(name: "ONCRPC", package: "swift-oncrpc"),
                .product(name: "XDR", package: "swift-oncrpc"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["swift-rpcgen-config.json"],
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "SwiftRPCGenPlugin", package: "swift-oncrpc")]
        ),
        // The Swift side of compare.sh: the same command lines as the C programs in c/.
        .executableTarget(
            name: "oncrpc-bench",
            dependencies: [
                "BenchShared",
                .product(name: "ONCRPC", package: "swift-oncrpc"),
                .product(name: "ONCRPCNIOTransport", package: "swift-oncrpc"),
                .product(name: "XDR", package: "swift-oncrpc"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The soak test: many clients, random payloads, injected faults, the server's memory
        // watched (scripts/soak; a shorter run is part of scripts/test).
        .executableTarget(
            name: "oncrpc-soak",
            dependencies: [
                "BenchShared",
                .product(name: "ONCRPC", package: "swift-oncrpc"),
                .product(name: "ONCRPCNIOTransport", package: "swift-oncrpc"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "ONCRPCBenchmarks",
            dependencies: [
                "BenchShared",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ONCRPC", package: "swift-oncrpc"),
                .product(name: "ONCRPCNIOTransport", package: "swift-oncrpc"),
                .product(name: "ONCRPCInProcessTransport", package: "swift-oncrpc"),
                .product(name: "XDR", package: "swift-oncrpc"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/ONCRPCBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
