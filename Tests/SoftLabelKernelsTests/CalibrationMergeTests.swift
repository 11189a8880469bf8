import Testing
@testable import SoftLabelKernels

/// A reproducible synthetic classifier: logits with a Gaussian-ish spread, labels that agree
/// with the argmax most of the time.
enum CalibrationSyntheticData {
    static func make(rows: Int, classes: Int, seed: UInt64, agreement: Double = 0.7, scale: Float = 3) -> (Matrix, [Int]) {
        var rng = Xoshiro256StarStar(seed: seed)
        func uniform() -> Float { Float(rng.next() >> 40) / Float(1 << 24) }
        var values = [Float](repeating: 0, count: rows * classes)
        var labels = [Int](repeating: 0, count: rows)
        for r in 0..<rows {
            var best = 0
            for c in 0..<classes {
                let g = (uniform() + uniform() + uniform() + uniform() - 2) * scale
                values[r * classes + c] = g
                if g > values[r * classes + best] { best = c }
            }
            labels[r] = Double(uniform()) < agreement ? best : rng.next(below: classes)
        }
        return (Matrix(rows: rows, columns: classes, values: values), labels)
    }

    static func slice(_ m: Matrix, _ labels: [Int], _ range: Range<Int>) -> (Matrix, [Int]) {
        (Matrix(rows: range.count, columns: m.columns, values: Array(m.values[(range.lowerBound * m.columns)..<(range.upperBound * m.columns)])),
         Array(labels[range]))
    }
}

@Suite("Calibration merge")
struct CalibrationMergeTests {
    static func close(_ a: Double?, _ b: Double?, _ tolerance: Double = 1e-12) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case let (x?, y?): Swift.abs(x - y) <= tolerance * Swift.max(1, Swift.abs(x))
        default: false
        }
    }

    static func expectSameMergeableMetrics(_ merged: CalibrationMetrics, _ single: CalibrationMetrics) {
        #expect(merged.count == single.count)
        for (name, a, b) in [("accuracy", merged.accuracy, single.accuracy), ("mean_confidence", merged.meanConfidence, single.meanConfidence),
                             ("ece", merged.ece, single.ece), ("mce", merged.mce, single.mce), ("rms_ce", merged.rmsCE, single.rmsCE),
                             ("classwise_ece", merged.classwiseECE, single.classwiseECE), ("debiased_rms_ce", merged.debiasedRMSCE, single.debiasedRMSCE),
                             ("brier", merged.brier, single.brier), ("nll", merged.nll, single.nll), ("mean_entropy", merged.meanEntropy, single.meanEntropy),
                             ("overconfidence", merged.overconfidence, single.overconfidence)] as [(String, Double?, Double?)] {
            #expect(a != nil && close(a, b), "\(name): merged \(String(describing: a)) vs single \(String(describing: b))")
        }
        #expect(merged.topKAccuracy == single.topKAccuracy)
        #expect(merged.reliability.count == single.reliability.count)
        for (x, y) in zip(merged.reliability, single.reliability) {
            #expect(x.count == y.count && x.lower == y.lower && x.upper == y.upper)
            #expect(close(x.meanConfidence, y.meanConfidence) && close(x.accuracy, y.accuracy))
        }
    }

    @Test("100,000 rows in 7 uneven shards: merged states give the single-pass metrics to 1e-12")
    func sevenShards() throws {
        let (logits, labels) = CalibrationSyntheticData.make(rows: 100_000, classes: 10, seed: 2024)
        let configuration = CalibrationConfiguration(topK: [1, 2, 5])
        let single = Calibration.state(logits: logits, labels: labels, configuration: configuration)
        let sizes = [1, 9_999, 23_456, 5, 40_000, 17_539, 9_000]
        #expect(sizes.reduce(0, +) == logits.rows)
        var states = [CalibrationState]()
        var start = 0
        for size in sizes {
            let (m, l) = CalibrationSyntheticData.slice(logits, labels, start..<(start + size))
            states.append(Calibration.state(logits: m, labels: l, configuration: configuration))
            start += size
        }
        let merged = try CalibrationState.merge(states)
        // Counts are integers: exactly equal.
        #expect(merged.count == single.count && merged.correct == single.correct && merged.topKCorrect == single.topKCorrect)
        #expect(merged.binCount == single.binCount && merged.binCorrect == single.binCorrect)
        #expect(merged.classBinCount == single.classBinCount && merged.classBinPositives == single.classBinPositives)
        Self.expectSameMergeableMetrics(Calibration.metrics(merged), Calibration.metrics(single))

        // Any order, and starting from the empty state (the identity).
        var reversed = CalibrationState(numClasses: 10, configuration: configuration)
        for s in states.reversed() { try reversed.merge(s) }
        Self.expectSameMergeableMetrics(Calibration.metrics(reversed), Calibration.metrics(single))

        // And the full computation agrees with the state's metrics.
        let full = Calibration.compute(logits: logits, labels: labels, configuration: configuration)
        Self.expectSameMergeableMetrics(full, Calibration.metrics(merged))
        #expect(full.adaptiveECE != nil && full.smoothECE != nil)
    }

    @Test("states from different configurations do not merge, and the error names the entry and field")
    func incompatibleStates() throws {
        let (logits, labels) = CalibrationSyntheticData.make(rows: 50, classes: 4, seed: 1)
        let a = Calibration.state(logits: logits, labels: labels)
        let b = Calibration.state(logits: logits, labels: labels, configuration: CalibrationConfiguration(bins: 10))
        let error = #expect(throws: ValidationError.self) { try CalibrationState.merge([a, a, b]) }
        #expect(error?.path == "states[2].bins" && error?.code == .conflictingFields)
        let kumar = Calibration.state(logits: logits, labels: labels, configuration: CalibrationConfiguration(preset: .kumar))
        #expect(throws: ValidationError.self) { try a.merged(with: kumar) }
    }

    @Test("a state rebuilt from its serialised fields is equal, valid, and gives the same metrics")
    func serialisedFields() throws {
        let (logits, labels) = CalibrationSyntheticData.make(rows: 300, classes: 6, seed: 8)
        let s = Calibration.state(logits: logits, labels: labels, configuration: CalibrationConfiguration(preset: .torchmetrics, topK: [1, 3, 9]))
        let t = CalibrationState(version: s.version, numClasses: s.numClasses, bins: s.bins, edgeRule: EdgeRule(rawValue: s.edgeRule.rawValue)!,
                                 binning: .equalWidth, temperature: s.temperature, topK: s.topK, count: s.count, correct: s.correct,
                                 topKCorrect: s.topKCorrect, confidenceSum: s.confidenceSum, nllSum: s.nllSum,
                                 nllInfiniteCount: s.nllInfiniteCount, brierSum: s.brierSum, entropySum: s.entropySum,
                                 binCount: s.binCount, binCorrect: s.binCorrect, binConfidenceSum: s.binConfidenceSum,
                                 classBinCount: s.classBinCount, classBinPositives: s.classBinPositives,
                                 classBinProbabilitySum: s.classBinProbabilitySum)
        #expect(t == s && t.topK == [1, 3] && t.binCount.count == 16)
        try t.validate()
        #expect(Calibration.metrics(t) == Calibration.metrics(s))
    }

    @Test("a state read back with inconsistent arrays is rejected with a path")
    func corruptState() {
        let (logits, labels) = CalibrationSyntheticData.make(rows: 20, classes: 3, seed: 5)
        var s = Calibration.state(logits: logits, labels: labels)
        #expect(throws: Never.self) { try s.validate() }
        s.binCount.removeLast()
        let error = #expect(throws: ValidationError.self) { try CalibrationState.merge([s]) }
        #expect(error?.path.hasPrefix("states[0].") == true)
        var t = Calibration.state(logits: logits, labels: labels)
        t.binCorrect[0] = t.binCount[0] + 1
        #expect(throws: ValidationError.self) { try t.validate() }
    }

    @Test("equal-mass binning: the state leaves the binned metrics out, compute fills them from the rows")
    func equalMassIsNotMergeable() {
        let (logits, labels) = CalibrationSyntheticData.make(rows: 1000, classes: 5, seed: 9)
        let configuration = CalibrationConfiguration(binning: .equalMass)
        let fromState = Calibration.metrics(Calibration.state(logits: logits, labels: labels, configuration: configuration))
        #expect(fromState.ece == nil && fromState.omitted.contains(.ece) && fromState.omitted.contains(.adaptiveECE))
        #expect(fromState.accuracy != nil && fromState.classwiseECE != nil)
        let full = Calibration.compute(logits: logits, labels: labels, configuration: configuration)
        #expect(full.ece == full.adaptiveECE && full.omitted.isEmpty)
        #expect(full.reliability.count == 15 && full.reliability.map(\.count).reduce(0, +) == 1000)
        #expect(Set(full.reliability.map(\.count)) == [66, 67])
    }

    @Test("no rows: every metric is nil, the state is the merge identity")
    func emptyInput() throws {
        let m = Calibration.compute(logits: Matrix(rows: 0, columns: 3), labels: [])
        #expect(m.count == 0 && m.accuracy == nil && m.ece == nil && m.smoothECE == nil && m.reliability.allSatisfy { $0.count == 0 })
        let (logits, labels) = CalibrationSyntheticData.make(rows: 30, classes: 3, seed: 3)
        let s = Calibration.state(logits: logits, labels: labels)
        #expect(try s.merged(with: m.state) == s)
    }
}
