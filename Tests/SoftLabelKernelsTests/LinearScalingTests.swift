import Foundation
import Testing
@testable import SoftLabelKernels
import SoftLabelTestSupport

/// Vector and matrix scaling (`LinearScaling`): the lens.json reference optima, the analytic
/// gradient against central differences, the blocked kernels against a naive float64 loop, and
/// the validation errors.
@Suite("Vector and matrix scaling")
struct LinearScalingTests {
    static var scalingCases: [FixtureCase] {
        get throws { try Fixtures.cases("lens").filter { $0.endpoint == "/v1/temperature" } }
    }

    static func method(_ c: FixtureCase) -> ScalingMethod { ScalingMethod(rawValue: c.request["method"] as? String ?? "temperature")! }

    static func odir(_ c: FixtureCase) -> ODIR? {
        (c.request["odir"] as? [String: Any]).map { ODIR(lambda: JSONAny.double($0["lambda"]) ?? 0, mu: JSONAny.double($0["mu"]) ?? 0) }
    }

    @Test("lens.json holds the five vector/matrix scaling cases")
    func inventory() throws {
        let cases = try Self.scalingCases
        #expect(cases.count == 5)
        #expect(cases.filter { Self.method($0) == .vector }.count == 2)
        #expect(cases.filter { Self.method($0) == .matrix }.count == 3)
    }

    @Test("lens.json: objective, nll_before and nll_after of the reference optimiser", arguments: try scalingCases)
    func fixtureCase(_ c: FixtureCase) throws {
        let logits = KernelFixtureRequest.matrix(c.request["logits"])
        let labels = JSONAny.ints(c.request["labels"])
        let method = Self.method(c), odir = Self.odir(c)
        try LinearScaling.validate(logits: logits, labels: labels, method: method, odir: odir)
        let fit = LinearScaling.fit(logits: logits, labels: labels, method: method, odir: odir)
        #expect(fit.converged, "\(c.name): not converged after \(fit.iterations) iterations, gradient \(fit.gradientNorm)")
        let actual: [String: Any] = ["objective": fit.objective, "nll_before": fit.nllBefore, "nll_after": fit.nllAfter]
        for key in ["objective", "nll_before", "nll_after"] where c.expected[key] != nil {
            let failure = Tolerance.mismatch(actual[key], c.expected[key], rtol: c.rtol, atol: c.atol, path: key)
            #expect(failure == nil, "\(c.name): \(failure ?? "")")
        }
        // The optimum is at least as good as the reference (to rounding): a minimiser, not a stop short.
        let reference = try #require(JSONAny.double(c.expected["objective"]))
        #expect(fit.objective <= reference + 1e-9 * abs(reference), "\(c.name): \(fit.objective) > \(reference)")
        #expect(fit.weights.count == (method == .matrix ? logits.columns * logits.columns : logits.columns) && fit.bias.count == logits.columns)
        // Gauge: b is reported with Σ b = 0 (exactly when μ = 0, at the optimum when μ > 0).
        #expect(abs(fit.bias.reduce(0, +)) <= ((odir?.mu ?? 0) > 0 ? 1e-4 : 1e-12) * max(1, fit.bias.map(abs).max()!))
        #expect(fit.eceAfter! < fit.eceBefore! && fit.accuracyBefore != nil && fit.accuracyAfter != nil)
        // nll_before is the float64 NLL at the identity: the float32 calibration pass agrees.
        let nll = Calibration.metrics(Calibration.state(logits: logits, labels: labels)).nll!
        #expect(abs(nll - fit.nllBefore) <= 1e-6 * nll)
    }

    /// A random problem: logits with a signal towards the label, K and N not multiples of the
    /// SIMD widths or the block, so that padding and tails are exercised.
    static func problem(rows: Int, classes: Int, seed: UInt64) -> (Matrix, [Int]) {
        var g = SeededGenerator(seed: seed)
        var values: [Float] = [], labels: [Int] = []
        for _ in 0..<rows {
            let y = Int.random(in: 0..<classes, using: &g)
            labels.append(y)
            for j in 0..<classes { values.append(Float.random(in: -3...3, using: &g) + (j == y ? 2 : 0)) }
        }
        return (Matrix(rows: rows, columns: classes, values: values), labels)
    }

    /// The objective by a plain float64 loop over rows and classes (libm exp/log).
    static func naive(_ logits: Matrix, _ labels: [Int], w: [Double], b: [Double], matrix: Bool) -> Double {
        let k = logits.columns
        var total = 0.0
        for r in 0..<logits.rows {
            let z = (0..<k).map { Double(logits[r, $0]) }
            var s = [Double](repeating: 0, count: k)
            for i in 0..<k {
                if matrix {
                    var t = b[i]
                    for j in 0..<k { t += w[i * k + j] * z[j] }
                    s[i] = t
                } else {
                    s[i] = w[i] * z[i] + b[i]
                }
            }
            let m = s.max()!
            var sum = 0.0
            for v in s { sum += exp(v - m) }
            total += log(sum) + m - s[labels[r]]
        }
        return total / Double(logits.rows)
    }

    @Test("matrix kernel: value equals a naive loop, gradient equals central differences (K = 11, N = 37, ODIR)")
    func matrixGradient() {
        let (logits, labels) = Self.problem(rows: 37, classes: 11, seed: 7)
        let k = 11
        var g = SeededGenerator(seed: 8)
        let w = (0..<(k * k)).map { $0 / k == $0 % k ? 1 + Double.random(in: -0.3...0.3, using: &g) : Double.random(in: -0.3...0.3, using: &g) }
        let b = (0..<k).map { _ in Double.random(in: -1...1, using: &g) }
        let penalty = LinearScaling.Penalty(odir: ODIR(lambda: 0.3, mu: 0.2), classes: k)
        var objective = MatrixScalingObjective(logits: logits, labels: labels)
        func f(_ w: [Double], _ b: [Double]) -> Double {
            var gw = w, gb = b
            return objective.evaluate(w: w, b: b, gradientW: &gw, gradientB: &gb) + penalty.value(weights: w, bias: b)
        }
        var gw = w, gb = b
        let value = objective.evaluate(w: w, b: b, gradientW: &gw, gradientB: &gb)
        #expect(abs(value - Self.naive(logits, labels, w: w, b: b, matrix: true)) <= 1e-13 * value)
        _ = penalty.add(weights: w, bias: b, gradientWeights: &gw, gradientBias: &gb)
        let h = 1e-6
        for index in 0..<(k * k + k) {
            var wp = w, wm = w, bp = b, bm = b
            if index < k * k { wp[index] += h; wm[index] -= h } else { bp[index - k * k] += h; bm[index - k * k] -= h }
            let numeric = (f(wp, bp) - f(wm, bm)) / (2 * h)
            let analytic = index < k * k ? gw[index] : gb[index - k * k]
            #expect(abs(numeric - analytic) <= 1e-7, "parameter \(index): analytic \(analytic), numeric \(numeric)")
        }
    }

    @Test("vector kernel: value equals a naive loop, gradient equals central differences (K = 13, N = 29)")
    func vectorGradient() {
        let (logits, labels) = Self.problem(rows: 29, classes: 13, seed: 9)
        let k = 13
        var g = SeededGenerator(seed: 10)
        let a = (0..<k).map { _ in Double.random(in: 0.5...1.5, using: &g) }
        let b = (0..<k).map { _ in Double.random(in: -1...1, using: &g) }
        var objective = VectorScalingObjective(logits: logits, labels: labels)
        var ga = a, gb = b
        let value = objective.evaluate(a: a, b: b, gradientA: &ga, gradientB: &gb)
        #expect(abs(value - Self.naive(logits, labels, w: a, b: b, matrix: false)) <= 1e-13 * value)
        let h = 1e-6
        for index in 0..<(2 * k) {
            var ap = a, am = a, bp = b, bm = b
            if index < k { ap[index] += h; am[index] -= h } else { bp[index - k] += h; bm[index - k] -= h }
            var x = a, y = b
            let numeric = (objective.evaluate(a: ap, b: bp, gradientA: &x, gradientB: &y) - objective.evaluate(a: am, b: bm, gradientA: &x, gradientB: &y)) / (2 * h)
            let analytic = index < k ? ga[index] : gb[index - k]
            #expect(abs(numeric - analytic) <= 1e-7, "parameter \(index): analytic \(analytic), numeric \(numeric)")
        }
    }

    @Test("the standardised coordinates round-trip and map the gradient by the chain rule")
    func coordinates() {
        let (logits, _) = Self.problem(rows: 23, classes: 5, seed: 11)
        let c = StandardisedCoordinates(logits: logits, matrix: true, interceptCurvature: 0.05)
        #expect(c.centring.allSatisfy { $0 > 0 && $0 < 1 })
        let w = (0..<25).map { Double($0 % 7) - 3 }, b = (0..<5).map(Double.init)
        let theta = c.standardised(weights: w, bias: b)
        var w2 = w, b2 = b
        c.original(theta, weights: &w2, bias: &b2)
        #expect(zip(w, w2).allSatisfy { abs($0 - $1) <= 1e-12 } && zip(b, b2).allSatisfy { abs($0 - $1) <= 1e-12 })
        // d/dθ̃ of the linear functional ⟨gw, W⟩ + ⟨gb, b⟩ by differences equals the mapped gradient.
        let gw = (0..<25).map { sin(Double($0)) }, gb = (0..<5).map { cos(Double($0)) }
        var mapped = [Double](repeating: 0, count: 30)
        c.standardisedGradient(weights: gw, bias: gb, into: &mapped)
        for index in 0..<30 {
            var t = theta
            t[index] += 1
            c.original(t, weights: &w2, bias: &b2)
            var change = 0.0
            for i in 0..<25 { change += gw[i] * (w2[i] - w[i]) }
            for i in 0..<5 { change += gb[i] * (b2[i] - b[i]) }
            #expect(abs(change - mapped[index]) <= 1e-9)
        }
    }

    @Test("separable data without odir: finite weights, objective near its infimum 0, bounded work")
    func separable() {
        // Each row's largest logit is its label, by a margin: the NLL → 0 as W = cI, c → ∞.
        let (logits, labels) = Self.problem(rows: 40, classes: 4, seed: 12)
        var values = logits.values
        for r in 0..<40 { values[r * 4 + labels[r]] = 10 }
        let separable = Matrix(rows: 40, columns: 4, values: values)
        for method in [ScalingMethod.vector, .matrix] {
            let fit = LinearScaling.fit(logits: separable, labels: labels, method: method)
            #expect(fit.objective.isFinite && fit.objective < 1e-4 && fit.objective >= 0)
            #expect(fit.weights.allSatisfy(\.isFinite) && fit.bias.allSatisfy(\.isFinite))
            #expect(fit.evaluations <= LinearScaling.evaluationLimit(rows: 40, classes: 4, method: method) + LBFGS.maximumLineSearchSteps)
            #expect(fit.accuracyAfter == 1)
        }
    }

    @Test("one class: nothing to fit")
    func oneClass() {
        let fit = LinearScaling.fit(logits: Matrix(rows: 2, columns: 1, values: [1, 2]), labels: [0, 0], method: .matrix)
        #expect(fit.weights == [1] && fit.bias == [0] && fit.objective == 0 && fit.converged)
    }

    @Test("validation: K over the matrix limit at method, odir only with matrix, λ and μ in [0, 1e6]")
    func validation() {
        let wide = Matrix(rows: 1, columns: 1001, repeating: 0)
        #expect(throws: ValidationError.self) { try LinearScaling.validate(logits: wide, labels: [0], method: .matrix, odir: nil) }
        do { try LinearScaling.validate(logits: wide, labels: [0], method: .matrix, odir: nil) } catch {
            #expect(error.path == "method" && error.code == .tooLarge && error.message.contains("1000"))
        }
        #expect((try? LinearScaling.validate(logits: wide, labels: [0], method: .vector, odir: nil)) != nil)
        let small = Matrix(rows: 1, columns: 2, values: [0, 1])
        let cases: [(ScalingMethod, ODIR, String)] = [(.vector, ODIR(lambda: 0, mu: 0), "odir"), (.matrix, ODIR(lambda: -1, mu: 0), "odir.lambda"),
                                                      (.matrix, ODIR(lambda: 0, mu: .nan), "odir.mu"), (.matrix, ODIR(lambda: 2e6, mu: 0), "odir.lambda")]
        for (method, odir, path) in cases {
            do {
                try LinearScaling.validate(logits: small, labels: [1], method: method, odir: odir)
                Issue.record("\(method) \(odir) accepted")
            } catch { #expect(error.path == path) }
        }
    }

    @Test("the evaluation limit scales with N·K² and stays within its bounds")
    func evaluationLimit() {
        #expect(LinearScaling.evaluationLimit(rows: 10, classes: 3, method: .matrix) == LinearScaling.maximumEvaluations)
        #expect(LinearScaling.evaluationLimit(rows: 16_000, classes: 1000, method: .matrix) == LinearScaling.minimumEvaluations)
        #expect(LinearScaling.evaluationWork(rows: .max, classes: 1000, method: .matrix) == .max)
    }
}
