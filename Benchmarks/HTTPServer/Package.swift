// swift-tools-version: 6.2
//
// A trivial-handler server for measuring SoftLabelHTTP alone with wrk:
//
//   swift build -c release --package-path Benchmarks/HTTPServer --scratch-path .build-bench
//   .build-bench/release/HTTPBenchServer 8089 &
//   wrk -t1 -c64 -d10s --latency http://127.0.0.1:8089/healthz
import PackageDescription

let package = Package(
    name: "HTTPServerBenchmark",
    dependencies: [.package(name: "softlabel", path: "../..")],
    targets: [
        .executableTarget(
            name: "HTTPBenchServer",
            dependencies: [.product(name: "SoftLabelHTTP", package: "softlabel")]
        )
    ]
)
