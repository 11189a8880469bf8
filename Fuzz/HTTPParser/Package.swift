// swift-tools-version: 6.2
//
// libFuzzer target for SoftLabelHTTP's request parser. Its own package so that the product's
// build never needs -sanitize. Run it with `scripts/fuzz-http [seconds]` from the repository root.
import PackageDescription

let package = Package(
    name: "HTTPParserFuzz",
    dependencies: [.package(name: "softlabel", path: "../..")],
    targets: [
        .executableTarget(
            name: "HTTPParserFuzzer",
            dependencies: [.product(name: "SoftLabelHTTP", package: "softlabel")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    ]
)
