// swift-tools-version: 6.2
//
// softlabel: label-smoothed targets, losses and calibration metrics over HTTP.
//
// The targets follow the data path (see docs/architecture.md and README.md):
//   SoftLabelHTTP  ->  SoftLabelService  ->  SoftLabelWire  ->  SoftLabelKernels
//
// CPU baseline: on x86-64 every target is compiled for Haswell (AVX2 + FMA + BMI2: x86-64-v3), because
// Swift lowers `SIMD8<Float>` arithmetic to scalar calls without it (measured: 23-50 ns/element
// for exp instead of ~0.4 ns). The `softlabel` binary checks the CPU at start-up and exits with a
// clear message on a CPU without AVX2/FMA. `SOFTLABEL_PORTABLE=1 swift build` drops the flag and
// builds a slower binary that runs on any x86-64.
//
// Linux only: the server calls Glibc directly and serves connections with epoll (there is no
// kqueue loop), so no other platform is declared.
import PackageDescription
import Foundation

let portable = ProcessInfo.processInfo.environment["SOFTLABEL_PORTABLE"] == "1"

#if arch(x86_64)
let cpuSettings: [SwiftSetting] = portable ? [] : [.unsafeFlags(["-target-cpu", "haswell"])]
let cpuCheckSettings: [CSetting] = portable ? [] : [.define("SOFTLABEL_REQUIRE_AVX2")]
// SoftLabelWire calls AVX2 intrinsics directly where this is set (FractionDigitsAVX2).
let wireSettings: [SwiftSetting] = portable ? [] : [.define("SOFTLABEL_AVX2")]
#else
let cpuSettings: [SwiftSetting] = []
let cpuCheckSettings: [CSetting] = []
let wireSettings: [SwiftSetting] = []
#endif

let package = Package(
    name: "softlabel",
    products: [
        .executable(name: "softlabel", targets: ["softlabel"]),
        .library(name: "SoftLabelKernels", targets: ["SoftLabelKernels"]),
        .library(name: "SoftLabelWire", targets: ["SoftLabelWire"]),
        .library(name: "SoftLabelHTTP", targets: ["SoftLabelHTTP"]),
        .library(name: "SoftLabelService", targets: ["SoftLabelService"]),
        .library(name: "SoftLabelNumPy", targets: ["SoftLabelNumPy"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        // 1.16.2: `LogHandler.log(event:)` (LineLogHandler implements it; the older entry point is deprecated).
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-numerics.git", from: "1.0.0"),
    ],
    targets: [
        // Pure SIMD math over contiguous Float buffers: stdlib only.
        // RealModule gives the scalar libm functions (log, expm1, pow) without Foundation.
        .target(
            name: "SoftLabelKernels",
            dependencies: [.product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: cpuSettings
        ),
        // Strict JSON reader/writer for numeric tensors, KServe binary tensors: stdlib + libc.
        .target(name: "SoftLabelWire", dependencies: ["SoftLabelKernels"], swiftSettings: cpuSettings + wireSettings),
        // HTTP/1.1 on POSIX sockets, epoll event loops (Linux) and Dispatch.
        .target(
            name: "SoftLabelHTTP",
            dependencies: ["CEpoll"],
            swiftSettings: cpuSettings
        ),
        // <sys/epoll.h>, which Swift's Glibc module does not include.
        .systemLibrary(name: "CEpoll"),
        // zlib for gzip bodies and deflated .npz members (Debian: zlib1g-dev; scripts/test installs it).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Routing, request models, validation, errors: HTTP -> Wire -> Kernels.
        .target(
            name: "SoftLabelService",
            dependencies: [
                "SoftLabelKernels", "SoftLabelWire", "SoftLabelHTTP", "CZlib",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.embedInCode("Resources/openapi.yaml"), .embedInCode("Resources/page.html"),
                        // The page's example (examples/data, linked): PageExamples.
                        .embedInCode("Resources/examples/digits-labels.npy"), .embedInCode("Resources/examples/digits-onehot-logits.npy"), .embedInCode("Resources/examples/digits-smoothed-logits.npy"), .embedInCode("Resources/examples/digits-onehot-features.npy"), .embedInCode("Resources/examples/digits-smoothed-features.npy"), .embedInCode("Resources/examples/digits-onehot-weights.npy"), .embedInCode("Resources/examples/digits-smoothed-weights.npy")],
            swiftSettings: cpuSettings
        ),
        // NumPy .npy/.npz reading for `softlabel eval`: strict headers, limits before allocation,
        // memory-mapped files, zlib for compressed .npz members. stdlib + Glibc + zlib.
        .target(name: "SoftLabelNumPy", dependencies: ["SoftLabelKernels", "CZlib"], swiftSettings: cpuSettings),
        // Checks the CPU before any Swift code runs (compiled for baseline x86-64 on purpose).
        .target(name: "CSoftLabelCPUCheck", cSettings: cpuCheckSettings),
        .executableTarget(
            name: "softlabel",
            dependencies: [
                "SoftLabelService", "SoftLabelHTTP", "SoftLabelNumPy", "SoftLabelKernels", "SoftLabelWire", "CSoftLabelCPUCheck",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: cpuSettings
        ),
        // libcurl for the integration tests (Debian: libcurl4-openssl-dev; scripts/test installs it).
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // Fixture loading and tolerance matching shared by the test targets (Foundation allowed here).
        .target(name: "SoftLabelTestSupport", path: "Tests/SoftLabelTestSupport"),
        .testTarget(name: "SoftLabelKernelsTests", dependencies: ["SoftLabelKernels", "SoftLabelTestSupport"], swiftSettings: cpuSettings),
        .testTarget(name: "SoftLabelWireTests", dependencies: ["SoftLabelWire", "SoftLabelKernels", "SoftLabelTestSupport"], swiftSettings: cpuSettings),
        .testTarget(name: "SoftLabelNumPyTests", dependencies: ["SoftLabelNumPy", "SoftLabelKernels", "CZlib"], swiftSettings: cpuSettings),
        .testTarget(name: "SoftLabelHTTPTests", dependencies: ["SoftLabelHTTP"], swiftSettings: cpuSettings),
        .testTarget(
            name: "SoftLabelServiceTests",
            dependencies: ["SoftLabelService", "SoftLabelHTTP", "SoftLabelKernels", "SoftLabelWire", "SoftLabelTestSupport"],
            swiftSettings: cpuSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["SoftLabelService", "SoftLabelHTTP", "CCurl", "SoftLabelTestSupport"],
            swiftSettings: cpuSettings
        ),
    ]
)
