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
    products: [
        .executable(name: "raft-soak", targets: ["raft-soak"]),
    ],
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

        // MARK: Test support
        .target(
            name: "RaftSimulation",
            dependencies: ["RaftCore"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "raft-soak",
            dependencies: ["RaftSimulation", "RaftCore"],
            swiftSettings: strictSettings
        ),

        // MARK: Benchmarks
        // RaftBenchSupport: a C shim that counts allocations (malloc interposition) and
        // reads glibc's mallinfo2; linked only into the bench.
        .target(
            name: "RaftBenchSupport",
            path: "bench/RaftBenchSupport"
        ),
        .executableTarget(
            name: "RaftBench",
            dependencies: ["RaftCore", "RaftBenchSupport"],
            path: "bench/RaftBench",
            exclude: ["RESULTS.md"],
            swiftSettings: strictSettings
        ),

        // MARK: Tests
        .testTarget(
            name: "RaftCoreTests",
            dependencies: ["RaftCore"],
            exclude: ["Scenarios"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RaftSimulationTests",
            dependencies: ["RaftSimulation", "RaftCore"],
            swiftSettings: strictSettings
        ),
    ]
)
