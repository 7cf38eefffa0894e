// swift-tools-version:6.1
import PackageDescription

/// Settings every target of the package is compiled with.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "swift-oncrpc",
    products: [
        .library(name: "XDR", targets: ["XDR"]),
        .executable(name: "xdr-demo", targets: ["xdr-demo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .target(
            name: "XDR",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "xdr-demo",
            dependencies: ["XDR", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "XDRTests",
            dependencies: ["XDR", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strictSettings
        ),
    ]
)
