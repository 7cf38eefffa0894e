// swift-tools-version:6.1
import PackageDescription

// The README's main job as a package of its own: a key-value server and client generated from
// xdr/keyvalue.x, found through rpcbind. To start a project from it, copy this directory and
// keyvalue.x, point "sources" in Sources/KeyValueDemo/swift-rpcgen-config.json at your copy,
// and replace the path dependency with
//     .package(url: "https://github.com/swift-oncrpc/swift-oncrpc", branch: "main")
let package = Package(
    name: "KeyValueDemo",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../.."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .executableTarget(
            name: "KeyValueDemo",
            dependencies: [
                .product(name: "ONCRPC", package: "swift-oncrpc"),
                .product(name: "ONCRPCNIOTransport", package: "swift-oncrpc"),
                .product(name: "RPCBind", package: "swift-oncrpc"),
                .product(name: "RPCBindServer", package: "swift-oncrpc"),
                .product(name: "XDR", package: "swift-oncrpc"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            exclude: ["swift-rpcgen-config.json"],
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "SwiftRPCGenPlugin", package: "swift-oncrpc")]
        )
    ]
)
