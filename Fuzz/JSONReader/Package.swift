// swift-tools-version: 6.2
//
// libFuzzer target for SoftLabelWire's JSON reader (see scripts/fuzz-json at the repository root).
// Its own package so that the product's build never sees -sanitize=fuzzer.
import Foundation
import PackageDescription

// A path dependency's identity is its folder name, which differs between checkouts (CI clones the
// repository under another name), so name it from where this manifest sits: ../.. is the root.
let rootPackage = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "JSONReaderFuzz",
    dependencies: [.package(path: "../..")],
    targets: [
        .target(name: "CLibFuzzer"),
        .executableTarget(
            name: "JSONReaderFuzz",
            dependencies: ["CLibFuzzer", .product(name: "SoftLabelWire", package: rootPackage), .product(name: "SoftLabelKernels", package: rootPackage)]
        ),
    ]
)
