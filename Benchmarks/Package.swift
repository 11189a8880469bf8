// swift-tools-version: 6.1
//
// softlabel's benchmarks, in their own package so that CI's build of the product stays small.
//   cd Benchmarks && swift package benchmark        (or: scripts/bench from the repository root)
import PackageDescription

let package = Package(
    name: "softlabel-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "softlabel", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "KernelBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SoftLabelKernels", package: "softlabel"),
                .product(name: "SoftLabelWire", package: "softlabel"),
                .product(name: "SoftLabelService", package: "softlabel"),
            ],
            path: "Benchmarks/KernelBenchmarks",
            swiftSettings: [.unsafeFlags(["-target-cpu", "haswell"])],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
