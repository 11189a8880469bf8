// swift-tools-version: 6.2
//
// libFuzzer target over the whole service: `SoftLabelService.call` for every v1 endpoint and
// `SoftLabelService.infer` for every Open Inference model, with JSON and with binary tensors
// (see scripts/fuzz-service at the repository root). Its own package so that the product's build
// never sees -sanitize=fuzzer.
import Foundation
import PackageDescription

// A path dependency's identity is its folder name, which differs between checkouts (worktrees,
// CI clones), so name it from where this manifest sits: ../.. is the repository root.
let rootPackage = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "ServiceFuzz",
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "ServiceFuzzer",
            dependencies: [.product(name: "SoftLabelService", package: rootPackage)],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    ]
)
