// swift-tools-version: 6.2
//
// Release-mode benchmark of vector and matrix scaling (not part of the product or the tests).
// Run it through ../../scripts/bench-scaling.
import PackageDescription

#if arch(x86_64)
let cpuSettings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let cpuSettings: [SwiftSetting] = []
#endif

let package = Package(
    name: "ScalingBench",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "softlabel", path: "../..")],
    targets: [
        .executableTarget(
            name: "ScalingBench",
            dependencies: [.product(name: "SoftLabelKernels", package: "softlabel")],
            swiftSettings: cpuSettings
        )
    ]
)
