// Times calibration of B × K logits in release mode and writes the data set for numpy.
//
// usage: CalibrationBench <output-dir> [rows] [classes] [repeats]
// Writes <output-dir>/logits.f32 (row-major float32), labels.i64, and prints one JSON line
// per measurement plus the metric values (for the numpy cross-check).
//
// usage: CalibrationBench --body <request.json>... [--repeats N]
// Times `Calibration.compute` (every metric of a /v1/calibration request, default
// configuration) on the logits and labels of each request body, parsed once with Foundation:
// prints the minimum and median over N runs (default 200) in microseconds, and the same for
// smooth ECE alone on the pass's confidences.
import Foundation
import SoftLabelKernels

func timeBodies(_ arguments: [String]) throws {
    var files: [String] = []
    var repeats = 200
    var i = 0
    while i < arguments.count {
        if arguments[i] == "--repeats" { repeats = Int(arguments[i + 1])!; i += 2 } else { files.append(arguments[i]); i += 1 }
    }
    for file in files {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as! [String: Any]
        let rows = (object["logits"] as! [[NSNumber]])
        let labels = (object["labels"] as! [NSNumber]).map(\.intValue)
        let classes = rows.first?.count ?? 0
        let logits = Matrix(rows: rows.count, columns: classes, values: rows.flatMap { $0.map(\.floatValue) })
        func measure(_ body: () -> Void) -> (min: Double, median: Double) {
            var samples: [Double] = []
            for _ in 0..<repeats {
                let start = ContinuousClock.now
                body()
                let elapsed = ContinuousClock.now - start
                samples.append(Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) * 1e-12)
            }
            samples.sort()
            return (samples[0], samples[samples.count / 2])
        }
        var metrics: CalibrationMetrics? = nil
        let all = measure { metrics = Calibration.compute(logits: logits, labels: labels) }
        let confidences = (0..<logits.rows).map { r -> (Double, Bool) in
            // The pass's confidence: recompute from the metrics' inputs is not exposed, so use
            // float64 softmax of the float32 logits (the same values to ~1e-7).
            var m = -Float.infinity, best = 0
            for c in 0..<classes where logits[r, c] > m { m = logits[r, c]; best = c }
            var sum = 0.0
            for c in 0..<classes { sum += exp(Double(logits[r, c] - m)) }
            return (1 / sum, best == labels[r])
        }
        let smooth = measure { _ = SmoothECE.compute(confidence: confidences.map(\.0), correct: confidences.map(\.1)) }
        let name = URL(fileURLWithPath: file).lastPathComponent
        print("{\"body\": \"\(name)\", \"rows\": \(logits.rows), \"classes\": \(classes), \"repeats\": \(repeats), "
              + "\"compute_us_min\": \(Int(all.min)), \"compute_us_median\": \(Int(all.median)), "
              + "\"smooth_ece_us_min\": \(Int(smooth.min)), \"smooth_ece_us_median\": \(Int(smooth.median)), "
              + "\"smooth_ece\": \(metrics!.smoothECE ?? .nan), \"bandwidth\": \(metrics!.smoothECEBandwidth ?? .nan)}")
    }
}

func run() throws {
    let arguments = CommandLine.arguments
    if arguments.count > 1 && arguments[1] == "--body" {
        try timeBodies(Array(arguments.dropFirst(2)))
        return
    }
    let directory = URL(fileURLWithPath: arguments.count > 1 ? arguments[1] : "/tmp/softlabel-bench")
    let rows = arguments.count > 2 ? Int(arguments[2])! : 100_000
    let classes = arguments.count > 3 ? Int(arguments[3])! : 100
    let repeats = arguments.count > 4 ? Int(arguments[4])! : 5

    // A reproducible classifier: Irwin–Hall(4) noise logits (sd ≈ 1.15), the label's logit raised
    // by a uniform margin in [0, 6): ~70 % accuracy with mixed over/under-confidence.
    var rng = Xoshiro256StarStar(seed: 2024)
    func uniform() -> Float { Float(rng.next() >> 40) / Float(1 << 24) }
    var values = [Float](repeating: 0, count: rows * classes)
    var labels = [Int](repeating: 0, count: rows)
    for r in 0..<rows {
        let y = rng.next(below: classes)
        labels[r] = y
        for c in 0..<classes { values[r * classes + c] = (uniform() + uniform() + uniform() + uniform() - 2) * 2 }
        values[r * classes + y] += 6 * uniform()
    }
    let logits = Matrix(rows: rows, columns: classes, values: values)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try values.withUnsafeBytes { Data($0) }.write(to: directory.appendingPathComponent("logits.f32"))
    try labels.map(Int64.init).withUnsafeBytes { Data($0) }.write(to: directory.appendingPathComponent("labels.i64"))

    func time(_ name: String, _ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = ContinuousClock.now
            body()
            let elapsed = ContinuousClock.now - start
            best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
        print("{\"impl\": \"swift\", \"measure\": \"\(name)\", \"rows\": \(rows), \"classes\": \(classes), \"seconds\": \(best), \"rows_per_second\": \(Double(rows) / best)}")
        return best
    }

    var configuration = CalibrationConfiguration()
    configuration.includeSmoothECE = false
    var metrics: CalibrationMetrics? = nil
    var state: CalibrationState? = nil
    _ = time("state_one_pass") { state = Calibration.state(logits: logits, labels: labels, configuration: configuration) }
    _ = time("metrics_from_state") { metrics = Calibration.metrics(state!) }
    _ = time("all_but_smooth_and_bootstrap") { metrics = Calibration.compute(logits: logits, labels: labels, configuration: configuration) }
    var smooth: (value: Double, bandwidth: Double)? = nil
    let m = metrics!
    let confidences = m.state.count > 0 ? { () -> ([Double], [Bool]) in
        // The per-row confidences and outcomes, as the pass records them.
        let p = Softmax.probabilities(logits)
        var c = [Double](), ok = [Bool]()
        for r in 0..<rows {
            var best = 0
            for j in 0..<classes where p[r, j] > p[r, best] { best = j }
            c.append(Double(p[r, best])); ok.append(best == labels[r])
        }
        return (c, ok)
    }() : ([], [])
    _ = time("smooth_ece_only") { smooth = SmoothECE.compute(confidence: confidences.0, correct: confidences.1) }
    // Smooth ECE is costliest when the model is nearly calibrated (small bandwidth, finer grid):
    // confidences uniform in [0.3, 1), outcomes Bernoulli(confidence).
    var calibrated = [Double](), outcomes = [Bool]()
    for _ in 0..<rows {
        let f = 0.3 + 0.7 * Double(uniform())
        calibrated.append(f)
        outcomes.append(Double(uniform()) < f)
    }
    try calibrated.withUnsafeBytes { Data($0) }.write(to: directory.appendingPathComponent("calibrated_confidence.f64"))
    try outcomes.map { $0 ? UInt8(1) : 0 }.withUnsafeBytes { Data($0) }.write(to: directory.appendingPathComponent("calibrated_correct.u8"))
    var calibratedSmooth: (value: Double, bandwidth: Double)? = nil
    _ = time("smooth_ece_calibrated") { calibratedSmooth = SmoothECE.compute(confidence: calibrated, correct: outcomes) }
    print("{\"impl\": \"swift\", \"smooth_ece_calibrated\": \(calibratedSmooth!.value), \"sigma\": \(calibratedSmooth!.bandwidth)}")
    var full: CalibrationMetrics? = nil
    var everything = CalibrationConfiguration()
    everything.includeSmoothECE = true
    _ = time("all_but_bootstrap") { full = Calibration.compute(logits: logits, labels: labels, configuration: everything) }

    var fit: TemperatureFit? = nil
    _ = time("temperature_fit") { fit = TemperatureScaling.fit(logits: logits, labels: labels) }
    print("{\"impl\": \"swift\", \"temperature\": \(fit!.temperature), \"iterations\": \(fit!.iterations), \"nll_before\": \(fit!.nllBefore!), \"nll_after\": \(fit!.nllAfter!)}")
    var bootstrapped = CalibrationConfiguration(bootstrap: 1000, seed: 1)
    bootstrapped.includeSmoothECE = false
    _ = time("bootstrap_1000_resamples") { _ = Calibration.compute(logits: logits, labels: labels, configuration: bootstrapped) }

    let values_: [String: Double?] = [
        "accuracy": m.accuracy, "top1": m.topKAccuracy[1], "top5": m.topKAccuracy[5], "mean_confidence": m.meanConfidence,
        "ece": m.ece, "mce": m.mce, "rms_ce": m.rmsCE, "overconfidence": m.overconfidence, "debiased_rms_ce": m.debiasedRMSCE,
        "adaptive_ece": m.adaptiveECE, "classwise_ece": m.classwiseECE, "brier": m.brier, "nll": m.nll, "mean_entropy": m.meanEntropy,
        "smooth_ece": full!.smoothECE, "smooth_ece_sigma": full!.smoothECEBandwidth,
    ]
    let body = values_.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value.map { "\($0)" } ?? "null")" }.joined(separator: ", ")
    print("{\"impl\": \"swift\", \"values\": {\(body)}}")
    _ = smooth

}

try run()
