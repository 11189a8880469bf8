import Foundation
import Testing
@testable import SoftLabelKernels
import SoftLabelTestSupport

/// The `selective_*` cases of lens.json (float64 numpy tie-averaged risk-coverage, scikit-learn
/// `roc_auc_score`) through the kernels, and the properties the contract states.
@Suite("Selective classification")
struct SelectiveFixtureTests {
    @Test("every selective_* case of lens.json")
    func fixtures() throws {
        let cases = try LensFixtures.cases(prefix: "selective_")
        #expect(cases.count == 6)
        for c in cases {
            let m = try LensFixtures.compute(c)
            let selective = try #require(m.selective, "\(c.name): no selective")
            let mismatch = Tolerance.mismatch(LensFixtures.json(selective), c.expected["selective"], rtol: c.rtol, atol: c.atol, path: "selective")
            #expect(mismatch == nil, "\(c.name): \(mismatch ?? "")")
        }
    }

    /// A brute-force reference from the definitions: E(k) with ties spread, pairs for AUROC.
    static func reference(_ s: [Double], _ correct: [Bool], coverage: [Int]) -> (aurc: Double, augrc: Double, risks: [Double], auroc: Double?) {
        let n = s.count
        func errors(_ k: Int) -> Double {
            // Rows strictly above the k-th score count fully; the tie group of the k-th shares.
            let sorted = s.sorted(by: >)
            let t = sorted[k - 1]
            let above = (0..<n).filter { s[$0] > t }
            let group = (0..<n).filter { s[$0] == t }
            let e = Double(above.filter { !correct[$0] }.count)
            let inGroup = Double(group.filter { !correct[$0] }.count)
            return e + inGroup * Double(k - above.count) / Double(group.count)
        }
        let aurc = (1...n).map { errors($0) / Double($0) }.reduce(0, +) / Double(n)
        let augrc = (1...n).map { errors($0) }.reduce(0, +) / Double(n * n)
        var wins = 0.0, pairs = 0.0
        for i in 0..<n where correct[i] {
            for j in 0..<n where !correct[j] {
                pairs += 1
                wins += s[i] > s[j] ? 1 : (s[i] == s[j] ? 0.5 : 0)
            }
        }
        return (aurc, augrc, coverage.map { errors($0) / Double($0) }, pairs > 0 ? wins / pairs : nil)
    }

    @Test("random rows with many ties against the brute-force definition, and any order of the ties")
    func bruteForce() {
        var g = SeededGenerator(seed: SeededGenerator.seed(default: 0x5E1))
        for n in [1, 2, 3, 10, 57] {
            let s = (0..<n).map { _ in Double(Int.random(in: 1...5, using: &g)) / 5 }
            let correct = (0..<n).map { _ in Bool.random(using: &g) }
            let levels = [0.1, 0.5, 0.9, 1.0].map(CoverageLevel.init)
            let got = SelectiveMetrics(confidence: s, correct: correct, coverages: levels)
            let want = Self.reference(s, correct, coverage: levels.map { $0.rows(of: n) })
            #expect(Swift.abs(got.aurc! - want.aurc) < 1e-12 && Swift.abs(got.augrc! - want.augrc) < 1e-12, "n \(n)")
            for (r, w) in zip(got.riskAtCoverage, want.risks) { #expect(Swift.abs(r.risk! - w) < 1e-12) }
            #expect(got.misclassificationAUROC.map { Swift.abs($0 - want.auroc!) < 1e-12 } ?? (want.auroc == nil))
            // The same rows in reverse order: the same numbers (ties share errors evenly).
            let reversed = SelectiveMetrics(confidence: s.reversed(), correct: correct.reversed(), coverages: levels)
            #expect(Swift.abs(reversed.aurc! - got.aurc!) < 1e-12 && Swift.abs(reversed.augrc! - got.augrc!) < 1e-12)
            #expect(zip(reversed.riskAtCoverage, got.riskAtCoverage).allSatisfy { Swift.abs($0.risk! - $1.risk!) < 1e-12 })
        }
    }

    @Test("all correct or all wrong: AUROC null; no rows: everything null")
    func degenerate() {
        let levels = [CoverageLevel(1.0)]
        let right = SelectiveMetrics(confidence: [0.9, 0.8], correct: [true, true], coverages: levels)
        #expect(right.aurc == 0 && right.augrc == 0 && right.misclassificationAUROC == nil)
        let wrong = SelectiveMetrics(confidence: [0.9, 0.8], correct: [false, false], coverages: levels)
        #expect(wrong.aurc == 1 && wrong.augrc == 1.5 / 2 && wrong.misclassificationAUROC == nil)
        let none = SelectiveMetrics(confidence: [], correct: [], coverages: levels)
        #expect(none.aurc == nil && none.riskAtCoverage.first?.risk == nil)
    }

    @Test("coverage keys are the shortest decimal with a digit after the point; c·N is exact")
    func coverageLevels() {
        #expect(CoverageLevel(0.5).key == "0.5" && CoverageLevel(0.95).key == "0.95" && CoverageLevel(1).key == "1.0")
        #expect(CoverageLevel(1e-5).key == "0.00001" && CoverageLevel(5.5e-7).key == "0.00000055")
        #expect(CoverageLevel(0.123456789012345).key == "0.123456789012345")
        #expect(0.07 * 100 > 7)  // the binary product 7.000000000000001 would keep 8 rows
        #expect(CoverageLevel(0.07).rows(of: 100) == 7 && CoverageLevel(0.9).rows(of: 100) == 90)
        #expect(CoverageLevel(0.95).rows(of: 7) == 7 && CoverageLevel(0.8).rows(of: 7) == 6 && CoverageLevel(0.5).rows(of: 7) == 4)
        #expect(CoverageLevel(0.1).rows(of: 3) == 1 && CoverageLevel(1e-5).rows(of: 10) == 1)  // max(1, ⌈c·N⌉)
        #expect(CoverageLevel(0.3).rows(of: 10) == 3 && CoverageLevel(0.7).rows(of: 10) == 7)
        #expect(CoverageLevel(1).rows(of: Int(Int32.max)) == Int(Int32.max))
        #expect(CoverageLevel(0.123456789012345).rows(of: 1_000_000_000_000_000) == 123_456_789_012_345)
    }
}
