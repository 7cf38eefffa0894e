// swift-tools-version:6.1
import PackageDescription

/// Settings every target of the package is compiled with.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let unixSignals = Target.Dependency.product(name: "UnixSignals", package: "swift-service-lifecycle")

let package = Package(
    name: "swift-oncrpc",
    products: [
        .library(name: "XDR", targets: ["XDR"]),
        .library(name: "ONCRPC", targets: ["ONCRPC"]),
        .library(name: "ONCRPCNIOTransport", targets: ["ONCRPCNIOTransport"]),
        .library(name: "ONCRPCInProcessTransport", targets: ["ONCRPCInProcessTransport"]),
        .library(name: "RPCBind", targets: ["RPCBind"]),
        .library(name: "RPCBindServer", targets: ["RPCBindServer"]),
        .library(name: "XDRLanguage", targets: ["XDRLanguage"]),
        .library(name: "XDRCodeGen", targets: ["XDRCodeGen"]),
        .executable(name: "oncrpc-demo", targets: ["oncrpc-demo"]),
        .executable(name: "swift-rpcgen", targets: ["swift-rpcgen"]),
        .executable(name: "swift-rpcinfo", targets: ["swift-rpcinfo"]),
        .executable(name: "swift-rpcbind", targets: ["swift-rpcbind"]),
        .plugin(name: "SwiftRPCGenPlugin", targets: ["SwiftRPCGenPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // `swift package generate-documentation` for the DocC catalogs (built only when used).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .target(name: "XDR", dependencies: [nioCore], swiftSettings: strictSettings),
        .target(name: "ONCRPC", dependencies: ["XDR", nioCore, logging, serviceLifecycle], swiftSettings: strictSettings),
        .target(
            name: "ONCRPCNIOTransport",
            dependencies: ["ONCRPC", "XDR", nioCore, nioPosix, logging],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ONCRPCInProcessTransport",
            dependencies: ["ONCRPC", "XDR", nioCore],
            swiftSettings: strictSettings
        ),
        .target(
            name: "RPCBind",
            dependencies: ["ONCRPC", "XDR", "ONCRPCNIOTransport", nioCore],
            swiftSettings: strictSettings
        ),
        .target(
            name: "RPCBindServer",
            dependencies: ["RPCBind", "ONCRPC", "ONCRPCNIOTransport", "XDR", nioCore, logging],
            swiftSettings: strictSettings
        ),
        .target(name: "XDRLanguage", swiftSettings: strictSettings),
        .target(name: "XDRCodeGen", dependencies: ["XDRLanguage"], swiftSettings: strictSettings),
        .executableTarget(
            name: "swift-rpcgen",
            dependencies: ["XDRCodeGen", "XDRLanguage", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "swift-rpcinfo",
            dependencies: [
                "RPCBind", "ONCRPCNIOTransport", "ONCRPC", nioCore,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "swift-rpcbind",
            dependencies: [
                "RPCBindServer", "RPCBind", "ONCRPCNIOTransport", "ONCRPC", nioCore, logging, serviceLifecycle,
                unixSignals,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        // The main job; its code is the package in Examples/KeyValueDemo, built here as well.
        .executableTarget(
            name: "oncrpc-demo",
            dependencies: [
                "ONCRPC", "ONCRPCNIOTransport", "RPCBind", "RPCBindServer", "XDR", nioCore, logging, serviceLifecycle,
                unixSignals,
            ],
            path: "Examples/KeyValueDemo/Sources/KeyValueDemo",
            exclude: ["swift-rpcgen-config.json"],
            swiftSettings: strictSettings,
            plugins: ["SwiftRPCGenPlugin"]
        ),
        .testTarget(name: "XDRTests", dependencies: ["XDR", nioCore], swiftSettings: strictSettings),
        .target(
            name: "ONCRPCTestSupport",
            dependencies: ["ONCRPC", "XDR", nioCore],
            path: "Tests/ONCRPCTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ONCRPCTests",
            dependencies: [
                "ONCRPC", "XDR", "ONCRPCInProcessTransport", "ONCRPCTestSupport", nioCore, logging, serviceLifecycle,
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .plugin(name: "SwiftRPCGenPlugin", capability: .buildTool(), dependencies: ["swift-rpcgen"]),
        .testTarget(
            name: "PluginTests",
            dependencies: ["XDR", "ONCRPC", "ONCRPCInProcessTransport", nioCore],
            exclude: ["swift-rpcgen-config.json"],
            swiftSettings: strictSettings,
            plugins: ["SwiftRPCGenPlugin"]
        ),
        .testTarget(name: "XDRLanguageTests", dependencies: ["XDRLanguage"], swiftSettings: strictSettings),
        .testTarget(name: "XDRCodeGenTests", dependencies: ["XDRCodeGen", "XDRLanguage"], swiftSettings: strictSettings),
        .testTarget(
            name: "GeneratedCodeTests",
            dependencies: ["XDR", "ONCRPC", "ONCRPCInProcessTransport", "ONCRPCTestSupport", nioCore],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RPCBindTests",
            dependencies: [
                "RPCBind", "RPCBindServer", "ONCRPC", "XDR", "ONCRPCNIOTransport", "ONCRPCTestSupport", nioCore, nioPosix,
                logging,
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ShadowedNamesTests",
            dependencies: ["XDR", "ONCRPC", "ONCRPCInProcessTransport", nioCore],
            exclude: ["swift-rpcgen-config.json"],
            swiftSettings: strictSettings,
            plugins: ["SwiftRPCGenPlugin"]
        ),
        .testTarget(
            name: "ReadmeTests",
            dependencies: [
                "ONCRPC", "XDR", "ONCRPCNIOTransport", "RPCBind", "RPCBindServer", nioCore, logging, serviceLifecycle,
                unixSignals,
            ],
            exclude: ["swift-rpcgen-config.json"],
            swiftSettings: strictSettings,
            plugins: ["SwiftRPCGenPlugin"]
        ),
        .testTarget(
            name: "InteropTests",
            dependencies: [
                "ONCRPC", "XDR", "ONCRPCNIOTransport", "RPCBind", "ONCRPCTestSupport", nioCore, logging,
            ],
            exclude: ["swift-rpcgen-config.json"],
            swiftSettings: strictSettings,
            plugins: ["SwiftRPCGenPlugin"]
        ),
        .testTarget(
            name: "ONCRPCNIOTransportTests",
            dependencies: [
                "ONCRPC", "XDR", "ONCRPCNIOTransport", "ONCRPCTestSupport", nioCore, nioPosix, logging,
                // A generated client (rpcbind's) under a hostile server.
                "RPCBind",
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
