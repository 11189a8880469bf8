// Times vector and matrix scaling (`LinearScaling.fit`, the whole /v1/temperature computation
// but JSON) in release mode on a reproducible, overconfident classifier's logits.
//
// usage: ScalingBench [rows=10000] [classes=100] [repeats=3] [signal=3.2] [output-dir]
// Prints one JSON line per configuration: the best and median wall time and the best thread CPU
// time of `repeats` fits,
// iterations, evaluations, the time per evaluation and its rate (matrix: multiply-adds of the two N·K² kernels; vector: elements) (fit CPU time / evaluations), the objective, the
// gradient norm and whether it converged. With an output dir, also writes logits.f32 and
// labels.i64 there (row-major) for an independent optimiser to check the objective.
import Foundation
import SoftLabelKernels

/// SplitMix64, so that the data set is the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Logits of an overconfident classifier: per-class offsets plus Gaussian noise plus `signal` on
/// the label, all multiplied by 3 (so that vector / matrix scaling have something to correct).
/// At K = 100, signal 3.2 gives top-1 accuracy 0.63 and data that matrix scaling (10,100
/// parameters for 10,000 rows) separates; signal 2.2 gives accuracy 0.32 and data it does not.
func dataset(rows: Int, classes: Int, signal: Float) -> (Matrix, [Int]) {
    var g = SplitMix(state: 2024)
    func gaussian() -> Float {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &g), v = Double.random(in: 0..<1, using: &g)
        return Float((-2 * log(u)).squareRoot() * cos(2 * Double.pi * v))
    }
    let bias = (0..<classes).map { _ in gaussian() * 0.5 }
    var values = [Float](repeating: 0, count: rows * classes), labels = [Int](repeating: 0, count: rows)
    for r in 0..<rows {
        let y = Int.random(in: 0..<classes, using: &g)
        labels[r] = y
        for j in 0..<classes { values[r * classes + j] = 3 * (gaussian() + bias[j] + (j == y ? signal : 0)) }
    }
    return (Matrix(rows: rows, columns: classes, values: values), labels)
}

let arguments = CommandLine.arguments.dropFirst().map { $0 }
let rows = arguments.count > 0 ? Int(arguments[0])! : 10_000
let classes = arguments.count > 1 ? Int(arguments[1])! : 100
let repeats = arguments.count > 2 ? Int(arguments[2])! : 3
let signal = arguments.count > 3 ? Float(arguments[3])! : 3.2
let (logits, labels) = dataset(rows: rows, classes: classes, signal: signal)
if arguments.count > 4 {
    let dir = URL(fileURLWithPath: arguments[4])
    try logits.values.withUnsafeBytes { try Data($0).write(to: dir.appendingPathComponent("logits.f32")) }
    try labels.map(Int64.init).withUnsafeBytes { try Data($0).write(to: dir.appendingPathComponent("labels.i64")) }
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

/// CPU time of this thread: on a shared machine the wall time also counts other processes' turns.
func cpuSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

for (method, odir) in [(ScalingMethod.vector, nil), (.matrix, nil), (.matrix, ODIR(lambda: 0.01, mu: 0.01)), (.matrix, ODIR(lambda: 1, mu: 1))] as [(ScalingMethod, ODIR?)] {
    var times: [Double] = [], cpu: [Double] = []
    var fit: LinearScalingFit!
    for _ in 0..<repeats {
        let start = ContinuousClock.now, cpuStart = cpuSeconds()
        fit = LinearScaling.fit(logits: logits, labels: labels, method: method, odir: odir)
        times.append(seconds(ContinuousClock.now - start))
        cpu.append(cpuSeconds() - cpuStart)
    }
    times.sort(); cpu.sort()
    // Per evaluation: the whole fit's time over its evaluations (an upper bound: it includes the
    // L-BFGS vector work and the two calibration passes for ECE and accuracy).
    let evaluation = cpu[0] / Double(max(1, fit.evaluations))
    // Multiply-adds of the matrix kernels (2·N·K²), or the elements of a vector-scaling evaluation.
    let work = Double(method == .matrix ? 2 * rows * classes * classes : rows * classes)
    let odirText = odir.map { "{\"lambda\": \($0.lambda), \"mu\": \($0.mu)}" } ?? "null"
    print("{\"method\": \"\(method.rawValue)\", \"odir\": \(odirText), \"rows\": \(rows), \"classes\": \(classes), \"signal\": \(signal), \"best_s\": \(times[0]), \"median_s\": \(times[times.count / 2]), \"best_cpu_s\": \(cpu[0]), \"iterations\": \(fit.iterations), \"evaluations\": \(fit.evaluations), \"evaluation_s\": \(evaluation), \"gmadd_per_s\": \(work / evaluation / 1e9), \"objective\": \(fit.objective), \"nll_before\": \(fit.nllBefore), \"nll_after\": \(fit.nllAfter), \"ece_before\": \(fit.eceBefore ?? .nan), \"ece_after\": \(fit.eceAfter ?? .nan), \"accuracy_before\": \(fit.accuracyBefore ?? .nan), \"accuracy_after\": \(fit.accuracyAfter ?? .nan), \"gradient_norm\": \(fit.gradientNorm), \"converged\": \(fit.converged)}")
}
