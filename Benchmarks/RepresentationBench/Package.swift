// swift-tools-version: 6.2
//
// Release-mode benchmark of /v1/representation (not part of the product or the tests): the
// kernel and whole requests through the service. Run it through ../../scripts/bench-representation,
// which also times the same closed-form sums in numpy.
import PackageDescription

#if arch(x86_64)
let cpuSettings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let cpuSettings: [SwiftSetting] = []
#endif

let package = Package(
    name: "RepresentationBench",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "softlabel", path: "../..")],
    targets: [
        .executableTarget(
            name: "RepresentationBench",
            dependencies: [
                .product(name: "SoftLabelKernels", package: "softlabel"),
                .product(name: "SoftLabelService", package: "softlabel"),
            ],
            swiftSettings: cpuSettings
        )
    ]
)
