import Testing
import SoftLabelTestSupport
import RealModule
@testable import SoftLabelKernels

/// Properties that hold for any input, checked on seeded random batches: the smoothed rows sum
/// to 1, CE gradient rows sum to 0, softmax is shift-invariant, every analytic gradient equals
/// a central finite difference of the loss (in Double), and extreme logits stay finite.
@Suite("Loss properties")
struct LossPropertyTests {
    /// The shared seeded generator (SoftLabelTestSupport), so failures reproduce.
    typealias Generator = SeededGenerator

    static func randomMatrix(_ rows: Int, _ columns: Int, scale: Float, _ g: inout Generator) -> Matrix {
        Matrix(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in Float.random(in: -scale...scale, using: &g) })
    }

    static func randomDistributions(_ rows: Int, _ columns: Int, _ g: inout Generator) -> Matrix {
        var m = randomMatrix(rows, columns, scale: 1, &g)
        for b in 0..<rows {
            var sum: Float = 0
            for k in 0..<columns { m[b, k] = abs(m[b, k]) + 0.01; sum += m[b, k] }
            for k in 0..<columns { m[b, k] /= sum }
        }
        return m
    }

    static let smoothings: [LabelSmoothing] = [
        LabelSmoothing(epsilon: 0.1),
        LabelSmoothing(epsilon: 0.2, kind: .offTarget),
        LabelSmoothing(epsilon: 0.3, kind: .prior, prior: [0.1, 0.2, 0.3, 0.15, 0.05, 0.1, 0.05, 0.05]),
        LabelSmoothing(epsilon: 0.25, kind: .similarity, similarity: {
            var s = Matrix(rows: 8, columns: 8, repeating: 0.5 / 7)
            for k in 0..<8 { s[k, k] = 0.5 }
            return s
        }()),
    ]

    @Test("smoothed rows sum to 1 for every kind, labels and soft targets", arguments: smoothings)
    func smoothedRowsSumToOne(_ smoothing: LabelSmoothing) throws {
        var g = Generator(seed: 7)
        try smoothing.validate(numClasses: 8)
        let labels = (0..<32).map { _ in Int.random(in: 0..<8, using: &g) }
        for source in [TargetSource.labels(labels, ignoreIndex: nil), .probabilities(Self.randomDistributions(32, 8, &g))] {
            let q = SmoothTargets.compute(source, numClasses: 8, smoothing: smoothing)
            for b in 0..<q.rows {
                let sum = q.row(b).reduce(0, +)
                #expect(abs(sum - 1) < 1e-5)
                #expect(q.row(b).allSatisfy { $0 >= 0 })
            }
        }
    }

    @Test("CE gradient rows sum to 0 (unweighted), and equal p − q")
    func gradientRowsSumToZero() {
        var g = Generator(seed: 11)
        for k in [1, 2, 7, 8, 9, 16, 33, 1000] {
            let logits = Self.randomMatrix(5, k, scale: 5, &g)
            let labels = (0..<5).map { _ in Int.random(in: 0..<k, using: &g) }
            let config = LossConfiguration(smoothing: LabelSmoothing(epsilon: 0.1), reduction: .sum, outputs: [.gradient])
            let r = Loss.compute(logits: logits, source: .labels(labels, ignoreIndex: nil), configuration: config)
            let p = Softmax.probabilities(logits)
            let q = SmoothTargets.compute(.labels(labels, ignoreIndex: nil), numClasses: k, smoothing: LabelSmoothing(epsilon: 0.1))
            for b in 0..<5 {
                #expect(abs(r.gradient!.row(b).reduce(0, +)) < 1e-5, "K = \(k)")
                for j in 0..<k { #expect(abs(r.gradient![b, j] - (p[b, j] - q[b, j])) < 1e-6) }
            }
        }
    }

    @Test("softmax and the loss are shift-invariant, also at logits ±1e4")
    func shiftInvariance() {
        var g = Generator(seed: 13)
        let logits = Self.randomMatrix(4, 37, scale: 6, &g)
        let labels = [0, 5, 36, 12]
        let config = LossConfiguration(smoothing: LabelSmoothing(epsilon: 0.1), reduction: .none, outputs: [.gradient])
        let base = Loss.compute(logits: logits, source: .labels(labels, ignoreIndex: nil), configuration: config)
        for shift: Float in [-1e4, -100, 3.5, 1e4] {
            let shifted = Matrix(rows: 4, columns: 37, values: logits.values.map { $0 + shift })
            let r = Loss.compute(logits: shifted, source: .labels(labels, ignoreIndex: nil), configuration: config)
            // x + 1e4 is itself rounded to a float (ulp 1e-3 there), so compare at that scale.
            let tolerance: Float = abs(shift) >= 1e4 ? 2e-3 : 1e-5
            for b in 0..<4 { #expect(abs(r.perSample![b] - base.perSample![b]) <= tolerance * max(1, base.perSample![b])) }
            let p0 = Softmax.probabilities(logits)
            let p1 = Softmax.probabilities(shifted)
            for i in 0..<p0.count { #expect(abs(p0.values[i] - p1.values[i]) <= tolerance) }
        }
    }

    @Test("extreme logits ±1e4 give finite losses and gradients for every loss")
    func extremeLogits() {
        let logits = Matrix(rows: 2, columns: 4, values: [1e4, -1e4, 0, 5, -1e4, -1e4, 1e4, 1e4])
        let teacher = Matrix(rows: 2, columns: 4, values: [-1e4, 1e4, 3, 0, 0, 0, 0, 1e4])
        let targets = Matrix(rows: 2, columns: 4, values: [0.25, 0.25, 0.25, 0.25, 0, 1, 0, 0])
        let functions: [LossFunction] = [.crossEntropy, .focal(gamma: 2), .focal(gamma: 0.5),
                                         .distillation(teacherLogits: teacher, temperature: 2, alpha: 0.7), .binaryCrossEntropy]
        for function in functions {
            for source in [TargetSource.labels([1, 0], ignoreIndex: nil), .probabilities(targets)] {
                let config = LossConfiguration(function: function, smoothing: LabelSmoothing(epsilon: 0.1), reduction: .mean,
                                               confidencePenalty: function == .binaryCrossEntropy ? 0 : 0.3,
                                               outputs: [.gradient, .perSample])
                let r = Loss.compute(logits: logits, source: source, configuration: config)
                #expect(r.loss!.isFinite, "\(function.name)")
                #expect(r.gradient!.values.allSatisfy { $0.isFinite }, "\(function.name)")
                #expect(r.perSample!.allSatisfy { $0.isFinite }, "\(function.name)")
            }
        }
    }

    /// Every loss × smoothing × weights × reduction: the analytic gradient against a central
    /// difference of the loss recomputed in Double-accumulated float32 (step 1e-2 on logits of
    /// scale 2, quadratic error ~1e-4·|ℓ'''|).
    @Test("analytic gradients equal finite differences", arguments: ["cross_entropy", "focal2", "focal0.5", "distillation", "binary_cross_entropy", "penalty"])
    func finiteDifferences(_ name: String) {
        var g = Generator(seed: 17)
        let (rows, k) = (3, 8)
        let logits = Self.randomMatrix(rows, k, scale: 2, &g)
        let teacher = Self.randomMatrix(rows, k, scale: 2, &g)
        let function: LossFunction = switch name {
        case "focal2": .focal(gamma: 2)
        case "focal0.5": .focal(gamma: 0.5)
        case "distillation": .distillation(teacherLogits: teacher, temperature: 2.5, alpha: 0.6)
        case "binary_cross_entropy": .binaryCrossEntropy
        default: .crossEntropy
        }
        let sources: [TargetSource] = [.labels([3, -100, 7], ignoreIndex: -100), .probabilities(Self.randomDistributions(rows, k, &g))]
        let weights: [[Float]?] = [nil, (0..<k).map { Float($0 % 3) * 0.5 + 0.25 }]
        let smoothings = function == .binaryCrossEntropy ? [LabelSmoothing(epsilon: 0.2)] : Self.smoothings
        for source in sources {
            for weight in weights {
                for smoothing in smoothings {
                    for reduction in [Reduction.mean, .sum] {
                        let config = LossConfiguration(function: function, smoothing: smoothing, weight: weight, reduction: reduction,
                                                       confidencePenalty: name == "penalty" ? 0.4 : 0, outputs: [.gradient])
                        let analytic = Loss.compute(logits: logits, source: source, configuration: config).gradient!
                        let h: Float = 1e-2
                        for i in 0..<logits.count {
                            var plus = logits, minus = logits
                            plus.values[i] += h
                            minus.values[i] -= h
                            let lp = Loss.compute(logits: plus, source: source, configuration: config).loss!
                            let lm = Loss.compute(logits: minus, source: source, configuration: config).loss!
                            let numeric = (lp - lm) / Double(plus.values[i] - minus.values[i])
                            let a = Double(analytic.values[i])
                            #expect(abs(a - numeric) <= 2e-3 + 2e-3 * abs(numeric),
                                    "\(name) \(smoothing.kind) w=\(weight != nil) \(reduction) [\(i)]: analytic \(a), numeric \(numeric)")
                        }
                    }
                }
            }
        }
    }
}

@Suite("Finite check")
struct FiniteCheckTests {
    @Test("validateFinite finds NaN and ±inf anywhere, passes finite extremes", arguments: [0, 7, 8, 15, 16, 23])
    func nonFinite(_ position: Int) {
        for bad: Float in [.nan, .infinity, -.infinity] {
            var m = Matrix(rows: 4, columns: 6, repeating: 1)
            m.values[position] = bad
            #expect(throws: ValidationError.self) { try validateFinite(m, path: "logits") }
            do { try validateFinite(m, path: "logits") } catch {
                #expect(error.path == "logits[\(position / 6)][\(position % 6)]")
                #expect(error.code == .nonFinite)
            }
        }
        let extremes = Matrix(rows: 1, columns: 5, values: [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, 0, -0.0])
        #expect(throws: Never.self) { try validateFinite(extremes, path: "logits") }
    }
}
