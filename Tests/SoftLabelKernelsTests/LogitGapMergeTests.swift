import Foundation
import Testing
@testable import SoftLabelKernels
import SoftLabelTestSupport

/// The logit-gap sums of `state`: shards merged give one pass over all rows (1e-9).
@Suite("Logit gap: mergeable state")
struct LogitGapMergeTests {
    func configuration(_ epsilon: Float?) -> CalibrationConfiguration {
        var c = CalibrationConfiguration()
        c.selection = CalibrationSelection(metrics: [.logitGap], state: true)
        c.logitGapEpsilon = epsilon
        return c
    }

    @Test("uneven shards merged = one pass, for every mergeable field (Chan's m2)")
    func shards() throws {
        var g = SeededGenerator(seed: SeededGenerator.seed(default: 0x6A90))
        let rows = 301, k = 13
        // A large common offset on the true class: mean² ≫ variance, where Σg² − n·mean² fails.
        let labels = (0..<rows).map { _ in Int.random(in: 0..<k, using: &g) }
        var values = (0..<(rows * k)).map { _ in Float.random(in: -4...4, using: &g) }
        for r in 0..<rows { values[r * k + labels[r]] += 1000 }
        let logits = Matrix(rows: rows, columns: k, values: values)
        let whole = Calibration.state(logits: logits, labels: labels, configuration: configuration(0.1))
        let cuts = [0, 1, 2, 77, 150, 300, rows]
        var merged: CalibrationState?
        for i in 0..<(cuts.count - 1) {
            let part = Matrix(rows: cuts[i + 1] - cuts[i], columns: k, values: Array(values[(cuts[i] * k)..<(cuts[i + 1] * k)]))
            let s = Calibration.state(logits: part, labels: Array(labels[cuts[i]..<cuts[i + 1]]), configuration: configuration(0.1))
            merged = try merged.map { try $0.merged(with: s) } ?? s
        }
        let a = try #require(merged?.logitGap), b = try #require(whole.logitGap)
        #expect(a.count == b.count && a.infinite == b.infinite && a.beyondOptimal == b.beyondOptimal && a.min == b.min && a.max == b.max)
        let fromMerge = LogitGapSummary(a, numClasses: k, sortedGaps: nil)
        let fromWhole = LogitGapSummary(b, numClasses: k, sortedGaps: nil)
        for (x, y) in [(fromMerge.mean, fromWhole.mean), (fromMerge.std, fromWhole.std), (fromMerge.top2Mean, fromWhole.top2Mean),
                       (fromMerge.normMean, fromWhole.normMean), (fromMerge.beyondOptimal, fromWhole.beyondOptimal)] {
            #expect(Swift.abs(x! - y!) <= 1e-9 * Swift.max(1, Swift.abs(y!)), "\(x!) vs \(y!)")
        }
        // The spread of the rows (direct two-pass reference), not lost to the offset.
        let gaps = (0..<rows).map { r -> Double in
            let row = values[(r * k)..<((r + 1) * k)]
            let other = row.enumerated().filter { $0.offset != labels[r] }.map(\.element).max()!
            return Double(values[r * k + labels[r]]) - Double(other)
        }
        let mean = gaps.reduce(0, +) / Double(rows)
        let std = (gaps.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(rows)).squareRoot()
        #expect(Swift.abs(fromMerge.std! - std) <= 1e-9 * std)
        #expect(fromMerge.quantiles == nil)
        try merged!.validate()
    }

    @Test("states measured against different ε, or with and without gaps, do not merge")
    func conflicts() throws {
        let logits = Matrix(rows: 2, columns: 3, values: [1, 2, 3, 3, 2, 1])
        let a = Calibration.state(logits: logits, labels: [2, 0], configuration: configuration(0.1))
        let b = Calibration.state(logits: logits, labels: [2, 0], configuration: configuration(0.2))
        var plain = CalibrationConfiguration()
        plain.selection = .everything
        let c = Calibration.state(logits: logits, labels: [2, 0], configuration: plain)
        #expect(throws: ValidationError.self) { try a.merged(with: b) }
        #expect(throws: ValidationError.self) { try a.merged(with: c) }
        #expect(c.logitGap == nil && (try? c.merged(with: c)) != nil)
    }

    @Test("validate rejects inconsistent gap sums")
    func validation() {
        let logits = Matrix(rows: 2, columns: 3, values: [1, 2, 3, 3, 2, 1])
        var s = Calibration.state(logits: logits, labels: [2, 0], configuration: configuration(0.1))
        s.logitGap!.count += 1
        #expect(throws: ValidationError.self) { try s.validate() }
        s.logitGap!.count -= 1
        s.logitGap!.m2 = -1
        #expect(throws: ValidationError.self) { try s.validate() }
    }
}
