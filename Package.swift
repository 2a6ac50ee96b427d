// swift-tools-version:6.2
import PackageDescription

/// Settings every Herald target shares: Swift 6 strict concurrency plus the
/// upcoming features that keep imports and existentials explicit.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Herald",
    platforms: [.macOS(.v15)],
    dependencies: [],
    targets: [
        // MARK: System libraries (found through pkg-config)
        .systemLibrary(
            name: "CRocksDB",
            pkgConfig: "rocksdb",
            providers: [.apt(["librocksdb-dev"])]
        ),
        .systemLibrary(
            name: "CLZ4",
            pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"])]
        ),

        // MARK: Pure cores (standard library only)
        .target(
            name: "RaftCore",
            swiftSettings: strictSettings
        ),

        // MARK: Storage
        .target(
            name: "Checksums",
            swiftSettings: strictSettings
        ),
        .target(
            name: "LogStore",
            dependencies: ["RaftCore", "Checksums", "CLZ4"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "StateStore",
            dependencies: ["RaftCore", "Checksums", "CRocksDB"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "logstore-crash-writer",
            dependencies: ["LogStore", "RaftCore"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "StorageBench",
            dependencies: ["LogStore", "StateStore", "RaftCore"],
            path: "bench/StorageBench",
            exclude: ["RESULTS.md"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LogStoreTests",
            dependencies: ["LogStore", "Checksums", "RaftCore"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StateStoreTests",
            dependencies: ["StateStore", "Checksums", "RaftCore"],
            swiftSettings: strictSettings
        ),
    ]
)
