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
        .executable(name: "heraldd", targets: ["heraldd"]),
        .executable(name: "herald", targets: ["herald"]),
        .executable(name: "herald-loadgen", targets: ["herald-loadgen"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
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
        .target(
            name: "QueueModel",
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

        // MARK: Storage
        .target(name: "CCRC32C"),
        .target(
            name: "Checksums",
            dependencies: ["CCRC32C"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "LogStore",
            dependencies: ["RaftCore", "Checksums", "CLZ4"],
            swiftSettings: strictSettings
        ),
        // RocksDB's C++ `DB::Flush` over several column families, which its C API lacks.
        .target(
            name: "CRocksDBAtomicFlush",
            linkerSettings: [.linkedLibrary("rocksdb")]
        ),
        .target(
            name: "StateStore",
            dependencies: ["RaftCore", "Checksums", "CRocksDB", "CRocksDBAtomicFlush"],
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

        // MARK: Libraries
        .target(
            name: "HeraldConfig",
            swiftSettings: strictSettings
        ),
        .target(
            name: "Wire",
            dependencies: [
                "RaftCore",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HeraldNode",
            dependencies: [
                "HeraldConfig",
                "RaftCore",
                "Wire",
                "LogStore",
                "StateStore",
                "QueueModel",
                "HeraldClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HeraldClient",
            dependencies: [
                "Wire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Executables
        .executableTarget(
            name: "heraldd",
            dependencies: [
                "HeraldNode",
                "HeraldConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "herald",
            dependencies: [
                "HeraldConfig",
                "HeraldClient",
                "HeraldNode",
                "StateStore",
                "RaftCore",
                "Wire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
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
        // herald-loadgen: one load generator for Herald, etcd and NATS JetStream, so the
        // three are driven by the same connections, in-flight limits and payload bytes.
        .executableTarget(
            name: "herald-loadgen",
            dependencies: [
                "Wire",
                "RaftCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "bench/LoadGen",
            exclude: ["README.md"],
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
        .testTarget(
            name: "QueueModelTests",
            dependencies: ["QueueModel"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HeraldConfigTests",
            dependencies: ["HeraldConfig"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "WireTests",
            dependencies: [
                "Wire",
                "RaftCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HeraldClientTests",
            dependencies: [
                "HeraldClient",
                "RaftCore",
                "Wire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HeraldNodeTests",
            dependencies: [
                "HeraldNode", "HeraldConfig", "QueueModel", "StateStore", "RaftCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ClusterTests",
            dependencies: [
                "HeraldConfig",
                "HeraldClient",
                "Wire",
                "RaftCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
    ],
    cxxLanguageStandard: .cxx17
)
