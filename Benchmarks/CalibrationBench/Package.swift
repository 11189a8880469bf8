// swift-tools-version: 6.2
//
// Release-mode benchmark of the calibration kernels (not part of the product or the tests).
// Run it through ../../scripts/bench-calibration, which also times the same metrics in numpy.
import PackageDescription

#if arch(x86_64)
let cpuSettings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let cpuSettings: [SwiftSetting] = []
#endif

let package = Package(
    name: "CalibrationBench",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "softlabel", path: "../..")],
    targets: [
        .executableTarget(
            name: "CalibrationBench",
            dependencies: [.product(name: "SoftLabelKernels", package: "softlabel")],
            swiftSettings: cpuSettings
        )
    ]
)
