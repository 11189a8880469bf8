import Benchmark
import Foundation
import SoftLabelKernels
import SoftLabelService
import SoftLabelWire

/// Kernel throughput. One "op" is one whole batch; the batch's element count is in the name,
/// so logits/s = ops/s × elements (scripts/bench prints the conversion and numpy's number).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal, .instructions],
        warmupIterations: 10,
        maxDuration: .seconds(3),
        maxIterations: 100_000
    )

    var generator = Xoshiro256StarStar(seed: 0)
    let logits256x1000 = Matrix.gaussian(rows: 256, columns: 1000, scale: 3, using: &generator)
    let labels256 = (0..<256).map { _ in Int(generator.next() % 1000) }

    Benchmark("simdExp 1M floats") { benchmark in
        var x = [Float](repeating: 0, count: 1 << 20)
        for i in x.indices { x[i] = Float(i % 2000) * -0.01 }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var acc = SIMD8<Float>()
            x.withUnsafeBufferPointer { p in
                var i = 0
                while i < p.count {
                    acc += simdExp(UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self))
                    i += 8
                }
            }
            blackHole(acc)
        }
    }

    Benchmark("fused smoothed CE forward 256x1000 (256000 logits)") { benchmark in
        let config = LossConfiguration(smoothing: LabelSmoothing(epsilon: 0.1))
        for _ in benchmark.scaledIterations {
            blackHole(Loss.compute(logits: logits256x1000, source: .labels(labels256, ignoreIndex: -100), configuration: config))
        }
    }

    Benchmark("fused smoothed CE forward+gradient 256x1000 (256000 logits)") { benchmark in
        let config = LossConfiguration(smoothing: LabelSmoothing(epsilon: 0.1), outputs: [.gradient])
        for _ in benchmark.scaledIterations {
            blackHole(Loss.compute(logits: logits256x1000, source: .labels(labels256, ignoreIndex: -100), configuration: config))
        }
    }

    Benchmark("generic CE (prior smoothing) forward 256x1000 (256000 logits)") { benchmark in
        let prior = [Float](repeating: 1 / 1000, count: 1000)
        let config = LossConfiguration(smoothing: LabelSmoothing(epsilon: 0.1, kind: .prior, prior: prior))
        for _ in benchmark.scaledIterations {
            blackHole(Loss.compute(logits: logits256x1000, source: .labels(labels256, ignoreIndex: -100), configuration: config))
        }
    }

    // The body make_bodies.py writes for loss_256_1000: shortest float32 text, labels, ε.
    var writer = JSONWriter(capacity: 3 << 20)
    writer.beginObject()
    writer.key("logits"); writer.writeFloatMatrix(logits256x1000)
    writer.key("labels"); writer.beginArray(); for y in labels256 { writer.writeInt(y) }; writer.endArray()
    writer.key("label_smoothing"); writer.writeFloat(0.1)
    writer.endObject()
    let lossBody = writer.bytes

    Benchmark("JSON read 256x1000 logits body (\(lossBody.count) bytes)") { benchmark in
        for _ in benchmark.scaledIterations {
            lossBody.withUnsafeBytes { raw in
                var reader = JSONReader(raw)
                try! reader.beginObject(path: "")
                while let key = try! reader.nextKey() {
                    if key == "logits" { blackHole(try! reader.readFloatMatrix(path: key)) } else { try! reader.skipValue() }
                }
            }
        }
    }

    // The same logits as a Python client sends them (make_bodies.py's loss-py_256_1000):
    // json.dumps(tensor.tolist()) widens each float32 to a double and prints its shortest form,
    // up to 17 significant digits (`-1.2345678806304932`), elements separated by ", ".
    // MB/s = body bytes / p50 time, beside the shortest-form body above.
    var python = Array("{\"logits\": [".utf8)
    for r in 0..<logits256x1000.rows {
        python.append(contentsOf: (r == 0 ? "[" : ", [").utf8)
        for c in 0..<logits256x1000.columns {
            if c > 0 { python.append(contentsOf: ", ".utf8) }
            python.append(contentsOf: Double(logits256x1000[r, c]).description.utf8)
        }
        python.append(UInt8(ascii: "]"))
    }
    python.append(contentsOf: "], \"labels\": [\(labels256.map(String.init).joined(separator: ", "))], \"label_smoothing\": 0.1}".utf8)
    let pythonBody = python

    Benchmark("JSON read 256x1000 logits body, Python's 17-digit form (\(pythonBody.count) bytes)") { benchmark in
        for _ in benchmark.scaledIterations {
            pythonBody.withUnsafeBytes { raw in
                var reader = JSONReader(raw)
                try! reader.beginObject(path: "")
                while let key = try! reader.nextKey() {
                    if key == "logits" { blackHole(try! reader.readFloatMatrix(path: key)) } else { try! reader.skipValue() }
                }
            }
        }
    }

    Benchmark("whole /v1/loss request 256x1000 in Python's form through the service (no sockets)") { benchmark in
        let service = SoftLabelService()
        for _ in benchmark.scaledIterations {
            blackHole(service.call("/v1/loss", body: pythonBody))
        }
    }

    Benchmark("JSON write 256x1000 matrix") { benchmark in
        for _ in benchmark.scaledIterations {
            var w = JSONWriter(capacity: 3 << 20)
            w.writeFloatMatrix(logits256x1000)
            blackHole(w.bytes)
        }
    }

    Benchmark("whole /v1/loss request 256x1000 through the service (no sockets)") { benchmark in
        let service = SoftLabelService()
        for _ in benchmark.scaledIterations {
            blackHole(service.call("/v1/loss", body: lossBody))
        }
    }

    // Calibration: every metric of a /v1/calibration request with the default configuration
    // (one pass over the logits, adaptive ECE's sort, smooth ECE's bandwidth search).
    var calibrationGenerator = Xoshiro256StarStar(seed: 1)
    let logits1024x100 = Matrix.gaussian(rows: 1024, columns: 100, scale: 3, using: &calibrationGenerator)
    let labels1024 = (0..<1024).map { _ in Int(calibrationGenerator.next() % 100) }
    let logits32x10 = Matrix.gaussian(rows: 32, columns: 10, scale: 3, using: &calibrationGenerator)
    let labels32 = (0..<32).map { _ in Int(calibrationGenerator.next() % 10) }

    Benchmark("calibration compute 256x1000 (256000 logits)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Calibration.compute(logits: logits256x1000, labels: labels256))
        }
    }

    Benchmark("calibration compute 1024x100 (102400 logits)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Calibration.compute(logits: logits1024x100, labels: labels1024))
        }
    }

    Benchmark("calibration compute 32x10 (320 logits)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Calibration.compute(logits: logits32x10, labels: labels32))
        }
    }

    // `metrics` (h-calib): the peer's five metrics skip the class-wise sweep, rank, sorts and
    // FFTs; logit_gap + selective add a top-2 sweep and two sorts to everything.
    var peerMetrics = CalibrationConfiguration()
    peerMetrics.selection = CalibrationSelection(metrics: [.accuracy, .ece, .nll, .brier, .reliability], state: false)
    var withLens = CalibrationConfiguration()
    withLens.selection.insert(.logitGap)
    withLens.selection.insert(.selective)
    withLens.logitGapEpsilon = 0.1

    Benchmark("calibration compute 1024x100, metrics accuracy/ece/nll/brier/reliability") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Calibration.compute(logits: logits1024x100, labels: labels1024, configuration: peerMetrics))
        }
    }

    Benchmark("calibration compute 32x10, metrics accuracy/ece/nll/brier/reliability") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Calibration.compute(logits: logits32x10, labels: labels32, configuration: peerMetrics))
        }
    }

    Benchmark("calibration compute 1024x100, everything + logit_gap + selective") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Calibration.compute(logits: logits1024x100, labels: labels1024, configuration: withLens))
        }
    }

    Benchmark("softmax 256x1000 (256000 logits)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Softmax.probabilities(logits256x1000))
        }
    }
}

extension Matrix {
    /// Normal(0, scale²) entries by Box–Muller.
    static func gaussian(rows: Int, columns: Int, scale: Float, using g: inout Xoshiro256StarStar) -> Matrix {
        var values = [Float](repeating: 0, count: rows * columns)
        for i in values.indices {
            let u1 = max(Double(g.next() >> 11) / Double(1 << 53), 1e-300)
            let u2 = Double(g.next() >> 11) / Double(1 << 53)
            values[i] = Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)) * scale
        }
        return Matrix(rows: rows, columns: columns, values: values)
    }
}
