import Foundation
import Testing
@testable import SoftLabelKernels
import SoftLabelTestSupport

/// `metrics`: a selection computes the same numbers as everything, and skips the work of what
/// it does not name (seen in what the pass produced, not in timings).
@Suite("Calibration: metric selection")
struct CalibrationSelectionTests {
    static func data(rows: Int = 200, k: Int = 12) -> (Matrix, [Int]) {
        var g = SeededGenerator(seed: SeededGenerator.seed(default: 0x5E7))
        let values = (0..<(rows * k)).map { _ in Float.random(in: -5...5, using: &g) }
        return (Matrix(rows: rows, columns: k, values: values), (0..<rows).map { _ in Int.random(in: 0..<k, using: &g) })
    }

    func configuration(_ metrics: Set<CalibrationMetric>, state: Bool = false, bootstrap: Int = 0) -> CalibrationConfiguration {
        var c = CalibrationConfiguration(bootstrap: bootstrap)
        c.selection = CalibrationSelection(metrics: metrics, state: state)
        return c
    }

    @Test("names: every response name and state; unknown names by index")
    func names() {
        #expect(CalibrationSelection.names.count == 18)
        #expect(!CalibrationSelection.names.contains("logit_gap.quantiles"))
        #expect(CalibrationSelection.parse(["ece", "state"]) == .success(CalibrationSelection(metrics: [.ece], state: true)))
        #expect(CalibrationSelection.parse(["ece", "ECE"]) == .failure(.init(index: 1, name: "ECE")))
        #expect(CalibrationSelection.parse(["logit_gap.quantiles"]) == .failure(.init(index: 0, name: "logit_gap.quantiles")))
        #expect(!CalibrationSelection.everything.contains(.logitGap) && !CalibrationSelection.everything.contains(.selective))
        #expect(CalibrationSelection.everything.state && CalibrationSelection.everything.metrics.count == 15)
    }

    @Test("the peer's metrics: same values as everything, no class-wise cells, no rank, no row metrics")
    func peerMetrics() {
        let (logits, labels) = Self.data()
        let all = Calibration.compute(.logits(logits), labels: labels)
        let peer = Calibration.compute(.logits(logits), labels: labels, configuration: configuration([.accuracy, .ece, .nll, .brier, .reliability]))
        #expect(peer.accuracy == all.accuracy && peer.ece == all.ece && peer.nll == all.nll && peer.brier == all.brier)
        #expect(peer.reliability == all.reliability)
        // Work not done: the class-wise sweep, the rank, the FFTs, the sort.
        #expect(peer.state.classBinCount.isEmpty && peer.classwiseECE == nil)
        #expect(peer.state.topK.isEmpty && peer.topKAccuracy.isEmpty)
        #expect(peer.smoothECE == nil && peer.smoothECEBandwidth == nil && peer.adaptiveECE == nil)
        #expect(all.state.classBinCount.count == 12 * 15 && all.smoothECE != nil)
    }

    @Test("bootstrap draws only the requested metrics' intervals, with the same numbers")
    func bootstrapRequested() {
        let (logits, labels) = Self.data(rows: 120)
        let all = Calibration.compute(.logits(logits), labels: labels, configuration: CalibrationConfiguration(bootstrap: 50))
        let some = Calibration.compute(.logits(logits), labels: labels, configuration: configuration([.ece, .nll], bootstrap: 50))
        #expect(Set(some.intervals.keys) == [.ece, .nll] && some.topKIntervals.isEmpty)
        #expect(some.intervals[.ece] == all.intervals[.ece] && some.intervals[.nll] == all.intervals[.nll])
        // Nothing bootstrappable requested: no replicate at all.
        let none = Calibration.compute(.logits(logits), labels: labels, configuration: configuration([.adaptiveECE], bootstrap: 50))
        #expect(none.intervals.isEmpty && none.topKIntervals.isEmpty && none.adaptiveECE == all.adaptiveECE)
    }

    @Test("state always holds every mergeable sum, whatever else is selected")
    func stateComplete() {
        let (logits, labels) = Self.data()
        let full = Calibration.compute(.logits(logits), labels: labels)
        let onlyState = Calibration.compute(.logits(logits), labels: labels, configuration: configuration([], state: true))
        #expect(onlyState.state == full.state)
    }

    @Test("each metric alone equals its value among everything")
    func eachAlone() {
        let (logits, labels) = Self.data(rows: 90)
        let all = Calibration.compute(.logits(logits), labels: labels)
        for metric in CalibrationSelection.everything.metrics {
            let one = Calibration.compute(.logits(logits), labels: labels, configuration: configuration([metric]))
            switch metric {
            case .accuracy: #expect(one.accuracy == all.accuracy)
            case .topKAccuracy: #expect(one.topKAccuracy == all.topKAccuracy)
            case .meanConfidence: #expect(one.meanConfidence == all.meanConfidence)
            case .ece, .mce, .rmsCE, .overconfidence, .debiasedRMSCE:
                #expect(one.ece == all.ece && one.mce == all.mce && one.rmsCE == all.rmsCE)
            case .adaptiveECE: #expect(one.adaptiveECE == all.adaptiveECE)
            case .classwiseECE: #expect(one.classwiseECE == all.classwiseECE)
            case .smoothECE: #expect(one.smoothECE == all.smoothECE && one.smoothECEBandwidth == all.smoothECEBandwidth)
            case .brier: #expect(one.brier == all.brier)
            case .nll: #expect(one.nll == all.nll)
            case .meanEntropy: #expect(one.meanEntropy == all.meanEntropy)
            case .reliability: #expect(one.reliability == all.reliability)
            case .logitGap, .selective, .logitGapQuantiles: Issue.record("not in everything: \(metric)")
            }
        }
    }
}
