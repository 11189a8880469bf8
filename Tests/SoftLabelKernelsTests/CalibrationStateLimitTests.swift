import Testing
@testable import SoftLabelKernels

/// States from outside (`/v1/calibration/merge`) with counts or sums at or beyond the limits:
/// every one is a `ValidationError` with a path, never an overflow trap (issue 11).
@Suite("Calibration state limits")
struct CalibrationStateLimitTests {
    static let largest = CalibrationState.maximumCount

    /// A valid state of 2 classes and 2 bins whose every row is an incorrect prediction with
    /// confidence in bin 0 and label 0: `rows` rows.
    static func state(rows: Int) -> CalibrationState {
        CalibrationState(version: 1, numClasses: 2, bins: 2, edgeRule: .lowerClosed, binning: .equalWidth, temperature: 1,
                         topK: [1], count: rows, correct: 0, topKCorrect: [0], confidenceSum: 0, nllSum: 0,
                         nllInfiniteCount: 0, brierSum: 0, entropySum: 0, binCount: [rows, 0], binCorrect: [0, 0],
                         binConfidenceSum: [0, 0], classBinCount: [rows, 0, rows, 0], classBinPositives: [rows, 0, 0, 0],
                         classBinProbabilitySum: [0, 0, 0, 0])
    }

    static func realState(bins: Int = 15) -> CalibrationState {
        let (logits, labels) = CalibrationSyntheticData.make(rows: 40, classes: 3, seed: 11)
        return Calibration.state(logits: logits, labels: labels, configuration: CalibrationConfiguration(bins: bins))
    }

    @Test("1,100 bins of 2^53 − 1 rows each (the 25 KB merge body that killed the server) is a 422 at the first bin")
    func binCountsBeyondCount() {
        var s = Self.realState(bins: 1100)
        s.binCount = [Int](repeating: Self.largest, count: 1100)
        let error = #expect(throws: ValidationError.self) { try CalibrationState.merge([s]) }
        #expect(error?.path == "states[0].bin_count[0]")
        // Even with a count that matches the first bin, the running total stops at the second.
        s.count = Self.largest
        s.correct = 0
        s.topKCorrect = [0]
        s.binCorrect = [Int](repeating: 0, count: 1100)
        let second = #expect(throws: ValidationError.self) { try s.validate() }
        #expect(second?.path == "state.bin_count[1]")
    }

    @Test("counts beyond 2^53 − 1 (Int.max included) are rejected, not summed")
    func countsBeyondTheMaximum() {
        var s = Self.state(rows: 3)
        s.count = Int.max
        s.binCount = [Int.max, 1]
        #expect((#expect(throws: ValidationError.self) { try s.validate() })?.path == "state.count")
        var t = Self.state(rows: 3)
        t.classBinCount = [Int.max, 4, 3, 0]
        #expect((#expect(throws: ValidationError.self) { try t.validate() })?.path == "state.class_bin_count[0]")
        var u = Self.state(rows: 3)
        u.classBinPositives = [3, 0, Int.max, 0]
        #expect((#expect(throws: ValidationError.self) { try u.validate() })?.path == "state.class_bin_count[2]")
        #expect(throws: Never.self) { try Self.state(rows: Self.largest).validate() }
    }

    @Test("merging past 2^53 − 1 rows is too_large at the entry that overflows, and leaves the state unchanged")
    func mergedCountBeyondTheMaximum() throws {
        let big = Self.state(rows: Self.largest)
        let error = #expect(throws: ValidationError.self) { try CalibrationState.merge([Self.state(rows: 1), big]) }
        #expect(error?.code == .tooLarge)
        #expect(error?.path == "states[1].count")
        var s = Self.state(rows: 5)
        #expect(throws: ValidationError.self) { try s.merge(big) }
        #expect(s == Self.state(rows: 5))
        let merged = try CalibrationState.merge([Self.state(rows: Self.largest - 7), Self.state(rows: 7)])
        #expect(merged.count == Self.largest && merged.binCount == [Self.largest, 0])
        #expect(Calibration.metrics(merged).accuracy == 0)
    }

    @Test("sums that would leave float64 when merged are too_large; per-bin and per-class sums are bounded by their counts")
    func sums() {
        var s = Self.state(rows: 4)
        s.nllSum = 1.7e308
        #expect(throws: Never.self) { try s.validate() }
        let error = #expect(throws: ValidationError.self) { try CalibrationState.merge([s, s]) }
        #expect(error?.code == .tooLarge && error?.path == "states[1].nll_sum")

        var bins = Self.state(rows: 4)
        bins.binConfidenceSum = [1.7e308, 0]
        #expect((#expect(throws: ValidationError.self) { try bins.validate() })?.path == "state.bin_confidence_sum[0]")
        var classes = Self.state(rows: 4)
        classes.classBinProbabilitySum = [1.7e308, 1.7e308, 0, 0]
        #expect((#expect(throws: ValidationError.self) { try classes.validate() })?.path == "state.class_bin_probability_sum[0]")
        var confidence = Self.state(rows: 4)
        confidence.confidenceSum = 4.5
        #expect((#expect(throws: ValidationError.self) { try confidence.validate() })?.path == "state.confidence_sum")
    }

    @Test("each class's bins add up to count, and the positives of all classes too")
    func classwiseConsistency() {
        var s = Self.state(rows: 4)
        s.classBinCount = [4, 0, 3, 0]
        #expect((#expect(throws: ValidationError.self) { try s.validate() })?.path == "state.class_bin_count[2]")
        var t = Self.state(rows: 4)
        t.classBinPositives = [3, 0, 0, 0]
        #expect((#expect(throws: ValidationError.self) { try t.validate() })?.path == "state.class_bin_positives")
    }

    @Test("a state's temperature must be a positive normal float32, like the request's")
    func stateTemperature() {
        for t: Float in [Float(1e-45 as Double), 0, -1, .infinity, .nan] {
            var s = Self.state(rows: 2)
            s.temperature = t
            #expect((#expect(throws: ValidationError.self) { try s.validate() })?.path == "state.temperature", "\(t)")
        }
    }

    @Test("states from real passes (every edge rule, merged many times) still validate")
    func realStatesStillValidate() throws {
        for rule in EdgeRule.allCases {
            let (logits, labels) = CalibrationSyntheticData.make(rows: 3000, classes: 7, seed: 31)
            let configuration = CalibrationConfiguration(bins: 20, edgeRule: rule, topK: [1, 2, 5])
            var merged = CalibrationState(numClasses: 7, configuration: configuration)
            for start in stride(from: 0, to: 3000, by: 100) {
                let (m, l) = CalibrationSyntheticData.slice(logits, labels, start..<(start + 100))
                let s = Calibration.state(logits: m, labels: l, configuration: configuration)
                try s.validate()
                try merged.merge(s)
            }
            try merged.validate()
            #expect(merged.count == 3000)
        }
    }
}
