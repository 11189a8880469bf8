import Foundation
import Testing
@testable import SoftLabelKernels
import SoftLabelTestSupport

/// The `gap_*` cases of lens.json (float64 numpy, per-row loop) through the kernels.
@Suite("Logit gap: reference vectors and row kernel")
struct LogitGapFixtureTests {
    @Test("every gap_* case of lens.json")
    func fixtures() throws {
        let cases = try LensFixtures.cases(prefix: "gap_")
        #expect(cases.count == 7)
        for c in cases {
            let m = try LensFixtures.compute(c)
            let gap = try #require(m.logitGap, "\(c.name): no logit_gap")
            let expected = try #require(c.expected["logit_gap"])
            let mismatch = Tolerance.mismatch(LensFixtures.json(gap), expected, rtol: c.rtol, atol: c.atol, path: "logit_gap")
            #expect(mismatch == nil, "\(c.name): \(mismatch ?? "")")
            #expect(gap.infinite == 0, "\(c.name)")
            #expect(m.count == (c.expected["count"] as! NSNumber).intValue)
        }
    }

    @Test("top-2 scores against a scalar reference: ties, tails, every label position")
    func rowKernel() {
        var g = SeededGenerator(seed: SeededGenerator.seed(default: 0x6A9))
        for k in [1, 2, 3, 7, 8, 9, 16, 17, 33, 100] {
            for trial in 0..<20 {
                // Few distinct values so that maxima repeat.
                let x = (0..<k).map { _ in Float(Int.random(in: -3...3, using: &g)) * (trial.isMultiple(of: 2) ? 1 : 0.37) }
                for y in 0..<k {
                    let s = x.withUnsafeBufferPointer { LogitGapRow.scores($0.baseAddress!, k, label: y) }
                    let sorted = x.sorted(by: >)
                    var others = x
                    others.remove(at: y)
                    #expect(s.first == sorted[0])
                    #expect(s.second == (k > 1 ? sorted[1] : -.infinity))
                    #expect(s.bestOther == (others.max() ?? -.infinity), "k \(k) y \(y) \(x)")
                    let squares = x.reduce(0.0) { $0 + Double($1) * Double($1) }
                    #expect(Swift.abs(s.squares - squares) <= 1e-12 * Swift.max(squares, 1))
                }
            }
        }
    }

    @Test("optimal gap: uniform ln(1 + K(1−ε)/ε), off_target ln((1−ε)(K−1)/ε), none otherwise")
    func optimal() {
        #expect(Swift.abs(SmoothedTargetGap.optimal(epsilon: 0.1, kind: .uniform, numClasses: 10)! - Foundation.log(1 + 10 * 0.9 / Double(Float(0.1)))) < 1e-6)
        let e = Double(Float(0.2))
        #expect(Swift.abs(SmoothedTargetGap.optimal(epsilon: 0.2, kind: .offTarget, numClasses: 100)! - Foundation.log((1 - e) * 99 / e)) < 1e-12)
        #expect(SmoothedTargetGap.optimal(epsilon: 0, kind: .uniform, numClasses: 10) == nil)
        #expect(SmoothedTargetGap.optimal(epsilon: nil, kind: .uniform, numClasses: 10) == nil)
        #expect(SmoothedTargetGap.optimal(epsilon: 0.1, kind: .prior, numClasses: 10) == nil)
        #expect(SmoothedTargetGap.optimal(epsilon: 1, kind: .offTarget, numClasses: 10) == nil)  // ln 0
        #expect(SmoothedTargetGap.optimal(epsilon: 0.1, kind: .offTarget, numClasses: 1) == nil)
    }

    @Test("rows with a non-finite gap are counted in infinite and left out of every statistic")
    func infiniteRows() throws {
        // Row 0: p_y = 0 → g = −∞. Row 1: a zero elsewhere → ‖log p‖ = ∞. Row 2: finite.
        let p = Matrix(rows: 3, columns: 3, values: [0.5, 0.5, 0, 0.7, 0.3, 0, 0.2, 0.3, 0.5])
        var configuration = CalibrationConfiguration()
        configuration.selection = CalibrationSelection(metrics: [.logitGap], state: false)
        let m = Calibration.compute(.probabilities(p), labels: [2, 0, 2], configuration: configuration)
        let gap = try #require(m.logitGap)
        #expect(gap.infinite == 2)
        let g = Foundation.log(0.5) - Foundation.log(Double(Float(0.3)))
        #expect(Swift.abs(gap.mean! - g) < 1e-7 && gap.std == 0 && gap.quantiles?.count == 5)
        // K = 1: no other class, every gap infinite, every statistic null.
        let one = Calibration.compute(.logits(Matrix(rows: 2, columns: 1, values: [1, 2])), labels: [0, 0], configuration: configuration)
        #expect(one.logitGap?.infinite == 2 && one.logitGap?.mean == nil && one.logitGap?.quantiles == nil)
    }

    @Test("numpy linear quantile")
    func quantile() {
        let a = [1.0, 2, 4, 8]
        #expect(LinearQuantile.quantile(sorted: a, 0) == 1 && LinearQuantile.quantile(sorted: a, 1) == 8)
        #expect(LinearQuantile.quantile(sorted: a, 0.5) == 3)  // h = 1.5
        #expect(Swift.abs(LinearQuantile.quantile(sorted: a, 0.95) - (4 + 0.85 * 4)) < 1e-12)  // h = 2.85
        #expect(LinearQuantile.quantile(sorted: [5], 0.25) == 5)
    }
}
