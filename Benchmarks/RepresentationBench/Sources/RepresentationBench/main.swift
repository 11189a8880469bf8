// Times /v1/representation on B × D float32 features with K classes, in release mode, and writes
// the data set for numpy_reference.py.
//
// usage: RepresentationBench <output-dir> [rows] [dimension] [classes] [repeats]
// Writes <output-dir>/features.f32 (row-major float32) and labels.i64, and prints one JSON line
// per measurement (best of `repeats`, one thread) and one with the metric values:
// - kernel: RepresentationPass.accumulate (the B×D pass: norms, Σx, Σx/‖x‖ per class);
// - kernel_and_metrics: that plus RepresentationMetrics (the K×D closed forms);
// - request_binary: POST /v2/models/representation/infer with binary FP32/INT64 tensors through
//   SoftLabelService.call (decoding, the kernel, the JSON answer; no socket);
// - request_json: POST /v1/representation with the JSON body (the body text is built once).
import Foundation
import SoftLabelKernels
import SoftLabelService

func run() throws {
    let arguments = CommandLine.arguments
    let directory = URL(fileURLWithPath: arguments.count > 1 ? arguments[1] : "/tmp/softlabel-representation-bench")
    let rows = arguments.count > 2 ? Int(arguments[2])! : 10_000
    let dimension = arguments.count > 3 ? Int(arguments[3])! : 512
    let classes = arguments.count > 4 ? Int(arguments[4])! : 100
    let repeats = arguments.count > 5 ? Int(arguments[5])! : 7

    // Reproducible features: a class centre (uniform in [-2, 2) per component, ReLU-like offset +1)
    // plus uniform noise in [-1, 1): separable but overlapping classes, as penultimate features are.
    var rng = Xoshiro256StarStar(seed: 2026)
    func uniform() -> Float { Float(rng.next() >> 40) / Float(1 << 24) }
    let centres = (0..<(classes * dimension)).map { _ in 4 * uniform() - 1 }
    var values = [Float](repeating: 0, count: rows * dimension)
    var labels = [Int](repeating: 0, count: rows)
    for r in 0..<rows {
        let y = rng.next(below: classes)
        labels[r] = y
        for j in 0..<dimension { values[r * dimension + j] = centres[y * dimension + j] + 2 * uniform() - 1 }
    }
    let features = Matrix(rows: rows, columns: dimension, values: values)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try values.withUnsafeBytes { Data($0) }.write(to: directory.appendingPathComponent("features.f32"))
    try labels.map(Int64.init).withUnsafeBytes { Data($0) }.write(to: directory.appendingPathComponent("labels.i64"))

    func time(_ name: String, _ body: () throws -> Void) rethrows {
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = ContinuousClock.now
            try body()
            let elapsed = ContinuousClock.now - start
            best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
        print("{\"impl\": \"swift\", \"measure\": \"\(name)\", \"rows\": \(rows), \"dimension\": \(dimension), \"classes\": \(classes), \"seconds\": \(best)}")
    }

    var state: RepresentationState? = nil
    try time("kernel") { state = try RepresentationPass.accumulate(features: features, labels: labels, numClasses: classes) }
    var metrics: RepresentationMetrics? = nil
    try time("kernel_and_metrics") {
        metrics = RepresentationMetrics(try RepresentationPass.accumulate(features: features, labels: labels, numClasses: classes))
    }

    let service = SoftLabelService()
    // Open Inference with binary tensors: the JSON header, then the float32 and int64 bytes.
    let header = #"{"inputs": [{"name": "features", "datatype": "FP32", "shape": [\#(rows), \#(dimension)], "parameters": {"binary_data_size": \#(rows * dimension * 4)}}, {"name": "labels", "datatype": "INT64", "shape": [\#(rows)], "parameters": {"binary_data_size": \#(rows * 8)}}], "parameters": {"num_classes": \#(classes)}}"#
    var binary = Array(header.utf8)
    values.withUnsafeBytes { binary += $0 }
    labels.map(Int64.init).withUnsafeBytes { binary += $0 }
    var status = 0
    time("request_binary") {
        status = service.infer(model: "representation", body: binary, inferenceHeaderContentLength: header.utf8.count).status
    }
    precondition(status == 200, "binary request failed")
    var text = "{\"num_classes\":\(classes),\"labels\":[" + labels.map(String.init).joined(separator: ",") + "],\"features\":["
    for r in 0..<rows {
        if r > 0 { text += "," }
        text += "[" + values[(r * dimension)..<((r + 1) * dimension)].map { "\($0)" }.joined(separator: ",") + "]"
    }
    text += "]}"
    let json = Array(text.utf8)
    var answer = 0
    time("request_json") {
        let r = service.call("/v1/representation", body: json)
        status = r.status
        answer = r.body.count
    }
    precondition(status == 200, "JSON request failed")
    print("{\"impl\": \"swift\", \"measure\": \"sizes\", \"json_body_bytes\": \(json.count), \"binary_body_bytes\": \(binary.count), \"json_answer_bytes\": \(answer)}")
    let m = metrics!
    print("{\"impl\": \"swift\", \"values\": {\"class_separation_r2\": \(m.classSeparationR2 ?? .nan), \"within_distance\": \(m.withinDistance), "
          + "\"total_distance\": \(m.totalDistance), \"feature_norm_mean\": \(m.featureNormMean), "
          + "\"within_class_variance\": \(m.withinClassVariance), \"between_class_variance\": \(m.betweenClassVariance)}}")
}

try run()
