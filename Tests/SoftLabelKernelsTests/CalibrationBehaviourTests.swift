import Testing
@testable import SoftLabelKernels

@Suite("Calibration behaviour")
struct CalibrationBehaviourTests {
    @Test("temperature: all-correct rows drive T to the lower bound without NaN")
    func allCorrect() {
        var (logits, labels) = CalibrationSyntheticData.make(rows: 500, classes: 10, seed: 11)
        for r in 0..<logits.rows { labels[r] = (0..<10).max { logits[r, $0] < logits[r, $1] }!; logits[r, labels[r]] += 2 }
        let fit = TemperatureScaling.fit(logits: logits, labels: labels)
        #expect(fit.bound == .minimumTemperature && fit.temperature == TemperatureScaling.minimumTemperature)
        #expect(fit.converged && fit.iterations < 30)
        for v in [fit.nllBefore, fit.nllAfter, fit.eceBefore, fit.eceAfter] { #expect(v != nil && v!.isFinite) }
        #expect(fit.nllAfter! < 1e-6 && fit.nllAfter! < fit.nllBefore!)
    }

    @Test("temperature: labels independent of the logits drive T up without NaN")
    func randomLabels() {
        let (logits, _) = CalibrationSyntheticData.make(rows: 2000, classes: 10, seed: 12)
        var rng = Xoshiro256StarStar(seed: 99)
        let labels = (0..<logits.rows).map { _ in rng.next(below: 10) }
        let fit = TemperatureScaling.fit(logits: logits, labels: labels)
        #expect(fit.temperature.isFinite && fit.temperature > 5)
        for v in [fit.nllBefore, fit.nllAfter, fit.eceBefore, fit.eceAfter] { #expect(v != nil && v!.isFinite) }
        // Near-uniform predictions: NLL close to log K, and never above the T = 1 value.
        #expect(fit.nllAfter! <= fit.nllBefore! && Swift.abs(fit.nllAfter! - 2.302585) < 0.01)
    }

    @Test("temperature: the fit is a stationary point of the mean NLL")
    func stationary() {
        let (logits, labels) = CalibrationSyntheticData.make(rows: 3000, classes: 20, seed: 13, agreement: 0.5)
        let fit = TemperatureScaling.fit(logits: logits, labels: labels)
        #expect(fit.bound == nil && fit.converged)
        func nll(_ t: Double) -> Double {
            Calibration.metrics(Calibration.state(logits: logits, labels: labels, configuration: CalibrationConfiguration(temperature: Float(t), topK: [])))
                .nll!
        }
        #expect(nll(fit.temperature) <= nll(fit.temperature * 1.01) && nll(fit.temperature) <= nll(fit.temperature / 1.01))
    }

    @Test("bootstrap intervals are reproducible with a seed and bracket the estimate")
    func bootstrapReproducible() {
        let (logits, labels) = CalibrationSyntheticData.make(rows: 2000, classes: 10, seed: 21)
        let configuration = CalibrationConfiguration(bootstrap: 300, seed: 7)
        let a = Calibration.compute(logits: logits, labels: labels, configuration: configuration)
        let b = Calibration.compute(logits: logits, labels: labels, configuration: configuration)
        var other = configuration
        other.seed = 8
        let c = Calibration.compute(logits: logits, labels: labels, configuration: other)
        #expect(a.intervals == b.intervals && a.topKIntervals == b.topKIntervals)
        #expect(a.intervals != c.intervals)
        let expected: Set<CalibrationMetric> = [.accuracy, .meanConfidence, .ece, .mce, .rmsCE, .overconfidence, .debiasedRMSCE, .brier, .nll, .meanEntropy]
        #expect(Set(a.intervals.keys) == expected && Set(a.topKIntervals.keys) == [1, 5])
        for (metric, interval) in a.intervals { #expect(interval.low <= interval.high, "\(metric)") }
        for (metric, value) in [(CalibrationMetric.accuracy, a.accuracy!), (.brier, a.brier!), (.nll, a.nll!), (.meanConfidence, a.meanConfidence!)] {
            #expect(a.intervals[metric]!.low <= value && value <= a.intervals[metric]!.high, "\(metric)")
        }
        #expect(Bootstrap.percentile([1, 2, 3, 4], 50) == 2.5 && Bootstrap.percentile([0, 10], 97.5) == 9.75)
    }

    @Test("edge rules: a confidence on an edge goes up (default, torchmetrics) or down (kumar); 1.0 has its own torchmetrics bin")
    func edgeRules() {
        let standard = BinEdges(bins: 4, rule: .lowerClosed)
        let kumar = BinEdges(bins: 4, rule: .upperClosed)
        let torchmetrics = BinEdges(bins: 4, rule: .separateOne)
        #expect([0, 0.25, 0.5, 1].map { standard.index(of: Float($0)) } == [0, 1, 2, 3])
        #expect([0, 0.25, 0.5, 1].map { kumar.index(of: Float($0)) } == [0, 0, 1, 3])
        #expect([0, 0.25, 0.5, 1].map { torchmetrics.index(of: Float($0)) } == [0, 1, 2, 4])
        #expect(torchmetrics.binCount == 5 && torchmetrics.lower(4) == 1 && torchmetrics.upper(4) == 1)
        // 1/15 is not a float: the float just below it is in bin 0, the one just above in bin 1.
        let edge = BinEdges(bins: 15, rule: .lowerClosed)
        let third = Float(1.0 / 15.0)
        #expect(edge.index(of: third.nextDown) == 0 && edge.index(of: third.nextUp) == 1)
        let p = CalibrationConfiguration(preset: .netcal)
        #expect(p.bins == 10 && p.edgeRule == .lowerClosed && CalibrationConfiguration(preset: .torchmetrics, bins: 4).bins == 4)
    }

    @Test("probabilities and the logits they came from give the same metrics")
    func probabilitiesMatchLogits() {
        let (logits, labels) = CalibrationSyntheticData.make(rows: 400, classes: 7, seed: 31)
        let probabilities = Softmax.probabilities(logits)
        let a = Calibration.compute(logits: logits, labels: labels)
        let b = Calibration.compute(probabilities: probabilities, labels: labels)
        for (x, y) in [(a.ece, b.ece), (a.nll, b.nll), (a.brier, b.brier), (a.meanEntropy, b.meanEntropy), (a.classwiseECE, b.classwiseECE), (a.smoothECE, b.smoothECE)] {
            #expect(Swift.abs(x! - y!) < 1e-5)
        }
        #expect(a.accuracy == b.accuracy && a.topKAccuracy == b.topKAccuracy)
    }

    @Test("top-k: ties rank the lower index first, so top-1 equals accuracy; k > K is left out")
    func topKTies() {
        let logits = Matrix(rows: 3, columns: 3, values: [1, 1, 0, 0, 2, 2, 5, 1, 1])
        let m = Calibration.compute(logits: logits, labels: [1, 2, 2], configuration: CalibrationConfiguration(topK: [1, 2, 4]))
        #expect(m.accuracy == 0 && m.topKAccuracy[1] == 0)
        #expect(m.topKAccuracy[2] == 2.0 / 3.0 && m.topKAccuracy[4] == nil)
    }

    @Test("NLL of a probability row with p_y = 0 is infinite: nll is nil, everything else is defined")
    func zeroProbability() throws {
        let p = Matrix(rows: 2, columns: 2, values: [1, 0, 0.5, 0.5])
        try Calibration.validate(.probabilities(p), labels: [1, 0], configuration: .init())
        let m = Calibration.compute(probabilities: p, labels: [1, 0])
        #expect(m.nll == nil && m.state.nllInfiniteCount == 1 && m.brier == 1.25 && m.accuracy == 0.5)
    }

    @Test("validation names the offending field")
    func validation() {
        let logits = Matrix(rows: 2, columns: 3, values: [0, 1, 2, 3, 4, 5])
        func path(_ input: CalibrationInput, _ labels: [Int], _ c: CalibrationConfiguration = .init()) -> String? {
            do {
                try Calibration.validate(input, labels: labels, configuration: c)
                return nil
            } catch {
                return error.path
            }
        }
        #expect(path(.logits(logits), [0, 1]) == nil)
        #expect(path(.logits(logits), [0, 3]) == "labels[1]")
        #expect(path(.logits(logits), [0]) == "labels")
        #expect(path(.logits(logits), [0, 1], CalibrationConfiguration(bins: 0)) == "bins")
        #expect(path(.logits(logits), [0, 1], CalibrationConfiguration(bins: 10_001)) == "bins")
        #expect(path(.logits(logits), [0, 1], CalibrationConfiguration(temperature: 0)) == "temperature")
        #expect(path(.logits(logits), [0, 1], CalibrationConfiguration(temperature: .infinity)) == "temperature")
        #expect(path(.logits(logits), [0, 1], CalibrationConfiguration(topK: [1, 0])) == "top_k[1]")
        #expect(path(.logits(logits), [0, 1], CalibrationConfiguration(bootstrap: 10_001)) == "bootstrap")
        #expect(path(.logits(Matrix(rows: 1, columns: 2, values: [0, .nan])), [0]) == "logits[0][1]")
        let p = Matrix(rows: 2, columns: 2, values: [0.5, 0.5, 0.7, 0.2])
        #expect(path(.probabilities(p), [0, 1]) == "probabilities[1]")
        #expect(path(.probabilities(Matrix(rows: 1, columns: 2, values: [1.2, -0.2])), [0]) == "probabilities[0][0]")
        #expect(path(.probabilities(Matrix(rows: 1, columns: 2, values: [0.5, 0.5])), [0], CalibrationConfiguration(temperature: 2)) == "temperature")
        #expect(path(.logits(Matrix(rows: 1, columns: 2_000_000, repeating: 0)), [0], CalibrationConfiguration(bins: 15)) == "bins")
        #expect(throws: ValidationError.self) { try TemperatureScaling.validate(logits: Matrix(rows: 0, columns: 3), labels: []) }
    }
}
