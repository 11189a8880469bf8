/// The sufficient statistics of every mergeable calibration metric (docs/api.md, "Mergeable state").
///
/// Its size depends on `bins` and `numClasses`, never on the number of rows. Counts are exact
/// integers; sums are `Double` (accumulated with Neumaier compensation inside one pass, plain
/// `Double` additions across merges), so the metrics of merged states equal those of one pass
/// over the concatenated rows to ~1e-14 relative, whatever the split (tested at 1e-12).
///
/// Serialisation: every field is a plain number, string or array of numbers; the service writes
/// them as JSON under the same names in snake_case and reads them back for
/// `/v1/calibration/merge`, then calls `validate(path:)`. Arrays are flat:
/// - `binCount`, `binCorrect`, `binConfidenceSum` have `BinEdges.binCount` entries
///   (`bins`, or `bins + 1` for the `separate_one` edge rule);
/// - `classBin*` have `numClasses × bins` entries, class-major: cell `k * bins + b` is class k's
///   bin b under the default edge rule (classwise ECE always uses it).
public struct CalibrationState: Sendable, Equatable {
    /// Layout version of this struct; states of another version are rejected by `merge`.
    public static let currentVersion = 1

    public var version: Int
    /// K, the number of classes (columns of the logits / probabilities).
    public var numClasses: Int
    /// Number of equal-width bins (the `bins` of the request or preset).
    public var bins: Int
    public var edgeRule: EdgeRule
    /// The request's binning; with `equalMass` the binned metrics are not derivable from the
    /// state (the per-bin arrays still hold the equal-width statistics).
    public var binning: CalibrationConfiguration.Binning
    /// The temperature the logits were divided by (1 for probabilities).
    public var temperature: Float
    /// The k of `topKCorrect`: distinct, ascending, each ≤ numClasses.
    public var topK: [Int]

    /// N, rows seen.
    public var count: Int
    /// Rows whose argmax (first index among ties) is the label.
    public var correct: Int
    /// Rows whose label ranks among the top k, one entry per `topK` value.
    public var topKCorrect: [Int]
    /// Σ top-label confidence max_k p_k.
    public var confidenceSum: Double
    /// Σ −log p_y over rows with p_y > 0 (from log-softmax for logits).
    public var nllSum: Double
    /// Rows with p_y = 0 exactly (probability input only): their NLL is +∞, so `nll` is null.
    public var nllInfiniteCount: Int
    /// Σ Σ_k (p_k − 1[y = k])².
    public var brierSum: Double
    /// Σ −Σ_k p_k log p_k (nats).
    public var entropySum: Double

    /// Rows per top-label bin.
    public var binCount: [Int]
    /// Correct rows per top-label bin.
    public var binCorrect: [Int]
    /// Σ confidence per top-label bin.
    public var binConfidenceSum: [Double]

    /// Rows per (class, bin) of p_k.
    public var classBinCount: [Int]
    /// Rows with label k per (class k, bin).
    public var classBinPositives: [Int]
    /// Σ p_k per (class k, bin).
    public var classBinProbabilitySum: [Double]

    /// The logit-gap sums, when `logit_gap` was requested (nil otherwise: states with and
    /// without them do not merge). Serialised as the nested `logit_gap` object.
    public var logitGap: LogitGapStatistics? = nil

    /// The empty state (identity of `merge`) for `numClasses` classes under `configuration`.
    public init(numClasses: Int, configuration: CalibrationConfiguration) {
        self.init(numClasses: numClasses, configuration: configuration, allocatingClasswise: true)
    }

    /// With `allocatingClasswise: false` the `classBin*` arrays are left empty, for a caller
    /// that sets them (the calibration pass builds them once, at the end).
    init(numClasses: Int, configuration: CalibrationConfiguration, allocatingClasswise: Bool) {
        let edges = configuration.edges
        version = Self.currentVersion
        self.numClasses = numClasses
        bins = configuration.bins
        edgeRule = configuration.edgeRule
        binning = configuration.binning
        temperature = configuration.temperature
        topK = configuration.effectiveTopK(numClasses: numClasses)
        count = 0
        correct = 0
        topKCorrect = [Int](repeating: 0, count: topK.count)
        confidenceSum = 0
        nllSum = 0
        nllInfiniteCount = 0
        brierSum = 0
        entropySum = 0
        binCount = [Int](repeating: 0, count: edges.binCount)
        binCorrect = binCount
        binConfidenceSum = [Double](repeating: 0, count: edges.binCount)
        let cells = allocatingClasswise ? numClasses * configuration.bins : 0
        classBinCount = [Int](repeating: 0, count: cells)
        classBinPositives = classBinCount
        classBinProbabilitySum = [Double](repeating: 0, count: cells)
    }

    /// A state from its serialised fields (e.g. read back from JSON); call `validate(path:)`
    /// before using it.
    public init(version: Int, numClasses: Int, bins: Int, edgeRule: EdgeRule, binning: CalibrationConfiguration.Binning,
                temperature: Float, topK: [Int], count: Int, correct: Int, topKCorrect: [Int], confidenceSum: Double,
                nllSum: Double, nllInfiniteCount: Int, brierSum: Double, entropySum: Double, binCount: [Int],
                binCorrect: [Int], binConfidenceSum: [Double], classBinCount: [Int], classBinPositives: [Int],
                classBinProbabilitySum: [Double]) {
        self.version = version
        self.numClasses = numClasses
        self.bins = bins
        self.edgeRule = edgeRule
        self.binning = binning
        self.temperature = temperature
        self.topK = topK
        self.count = count
        self.correct = correct
        self.topKCorrect = topKCorrect
        self.confidenceSum = confidenceSum
        self.nllSum = nllSum
        self.nllInfiniteCount = nllInfiniteCount
        self.brierSum = brierSum
        self.entropySum = entropySum
        self.binCount = binCount
        self.binCorrect = binCorrect
        self.binConfidenceSum = binConfidenceSum
        self.classBinCount = classBinCount
        self.classBinPositives = classBinPositives
        self.classBinProbabilitySum = classBinProbabilitySum
    }

    public var edges: BinEdges { BinEdges(bins: bins, rule: edgeRule) }

    /// The largest count a state holds, 2⁵³ − 1: every count is then exact as a `Double` (the
    /// metrics divide by it) and as a JSON number (the service reads counts back as float64).
    /// A merge whose total would exceed it is rejected (`too_large`).
    public static let maximumCount = 9_007_199_254_740_991

    /// Relative slack of a sum of probabilities over n rows against n (each term is ≤ 1; the
    /// slack covers the rounding of the sums and of up to millions of merges).
    static let probabilitySumTolerance = 1e-6

    /// Checks a state read back from JSON: known version, sizes that agree with `bins` and
    /// `numClasses`, and statistics that one pass over some rows could have produced:
    /// - every count is an integer in [0, `maximumCount`]; correct ≤ count; each top-k hit
    ///   count in [correct, count]; nll_infinite_count ≤ count;
    /// - the per-bin counts add up to count (and correct), each bin's correct ≤ its count;
    ///   each class's per-bin counts add up to count, and the positives of all cells to count
    ///   (one label per row);
    /// - every sum is finite and ≥ 0; a bin's confidence sum is at most its count, and a class's
    ///   probability sums together at most count (each probability is ≤ 1), both within
    ///   `probabilitySumTolerance`;
    /// - temperature is a positive normal float32 (as the request's).
    /// Sums of counts are checked as they accumulate (a running total never passes count), so
    /// no input overflows; what passes keeps every metric of `CalibrationMetrics` finite.
    public func validate(path: String = "state") throws(ValidationError) {
        func fail(_ field: String, _ message: String) -> ValidationError {
            ValidationError(.invalidValue, message, path: "\(path).\(field)")
        }
        guard version == Self.currentVersion else { throw fail("version", "unsupported state version \(version), expected \(Self.currentVersion)") }
        guard numClasses >= 1 else { throw fail("num_classes", "num_classes must be ≥ 1, got \(numClasses)") }
        guard bins >= 1, bins <= CalibrationConfiguration.maximumBins else {
            throw fail("bins", "bins must be in [1, \(CalibrationConfiguration.maximumBins)], got \(bins)")
        }
        let product = numClasses.multipliedReportingOverflow(by: bins)
        guard !product.overflow, product.partialValue <= CalibrationConfiguration.maximumClasswiseCells else {
            throw ValidationError(.tooLarge, "num_classes × bins exceeds \(CalibrationConfiguration.maximumClasswiseCells)", path: "\(path).bins")
        }
        let cells = product.partialValue
        guard temperature.isNormal, temperature > 0 else {
            throw fail("temperature", "temperature must be a positive normal float32 in [\(Float.leastNormalMagnitude), \(Float.greatestFiniteMagnitude)], got \(temperature)")
        }
        guard topK == Array(Set(topK)).sorted(), topK.allSatisfy({ $0 >= 1 && $0 <= numClasses }) else {
            throw fail("top_k", "top_k must be distinct ascending values in [1, num_classes]")
        }
        guard topKCorrect.count == topK.count else { throw fail("top_k_correct", "expected \(topK.count) entries (one per top_k value)") }
        guard count >= 0, count <= Self.maximumCount else { throw fail("count", "count must be an integer in [0, \(Self.maximumCount)], got \(count)") }
        guard correct >= 0, correct <= count else { throw fail("correct", "correct must be in [0, count]") }
        for (i, c) in topKCorrect.enumerated() where c < correct || c > count {
            throw fail("top_k_correct[\(i)]", "top-k hits must be in [correct, count]")
        }
        guard nllInfiniteCount >= 0, nllInfiniteCount <= count else { throw fail("nll_infinite_count", "must be in [0, count]") }
        for (name, value) in [("confidence_sum", confidenceSum), ("nll_sum", nllSum), ("brier_sum", brierSum), ("entropy_sum", entropySum)]
        where !(value.isFinite && value >= 0) {
            throw fail(name, "must be a finite number ≥ 0, got \(value)")
        }
        guard confidenceSum <= Self.probabilitySumBound(count) else {
            throw fail("confidence_sum", "the sum of \(count) confidences cannot exceed \(count), got \(confidenceSum)")
        }
        let binTotal = edges.binCount
        guard binCount.count == binTotal, binCorrect.count == binTotal, binConfidenceSum.count == binTotal else {
            throw ValidationError(.shapeMismatch, "per-bin arrays must have \(binTotal) entries", path: "\(path).bin_count")
        }
        // Running totals stay ≤ count ≤ 2⁵³ − 1: each addend is checked against what is left.
        var rowsInBins = 0, correctInBins = 0
        for b in 0..<binTotal {
            guard binCount[b] >= 0, binCount[b] <= count - rowsInBins else {
                throw fail("bin_count[\(b)]", "per-bin counts must be ≥ 0 and add up to count (\(count))")
            }
            guard binCorrect[b] >= 0, binCorrect[b] <= binCount[b] else {
                throw fail("bin_correct[\(b)]", "bin counts must satisfy 0 ≤ correct ≤ count")
            }
            rowsInBins += binCount[b]
            correctInBins += binCorrect[b]
            let sum = binConfidenceSum[b]
            guard sum.isFinite, sum >= 0, sum <= Self.probabilitySumBound(binCount[b]) else {
                throw fail("bin_confidence_sum[\(b)]", "must be finite, ≥ 0 and at most the bin's count (\(binCount[b])), got \(sum)")
            }
        }
        guard rowsInBins == count, correctInBins == correct else {
            throw fail("bin_count", "per-bin counts must add up to count and correct")
        }
        guard classBinCount.count == cells, classBinPositives.count == cells, classBinProbabilitySum.count == cells else {
            throw ValidationError(.shapeMismatch, "per-class-bin arrays must have num_classes × bins = \(cells) entries", path: "\(path).class_bin_count")
        }
        var positives = 0
        for k in 0..<numClasses {
            var rowsOfClass = 0
            var probabilityOfClass = 0.0
            for i in (k * bins)..<((k + 1) * bins) {
                let n = classBinCount[i], hits = classBinPositives[i], sum = classBinProbabilitySum[i]
                guard n >= 0, n <= count - rowsOfClass, hits >= 0, hits <= n, hits <= count - positives, sum.isFinite, sum >= 0 else {
                    throw fail("class_bin_count[\(i)]", "per-class-bin statistics must be consistent, non-negative and finite (each class's counts add up to count)")
                }
                rowsOfClass += n
                positives += hits
                probabilityOfClass += sum
            }
            guard rowsOfClass == count else {
                throw fail("class_bin_count[\(k * bins)]", "class \(k)'s per-bin counts add up to \(rowsOfClass), expected count (\(count))")
            }
            guard probabilityOfClass <= Self.probabilitySumBound(count) else {
                throw fail("class_bin_probability_sum[\(k * bins)]", "class \(k)'s probability sums add up to \(probabilityOfClass), more than count (\(count))")
            }
        }
        guard positives == count else {
            throw fail("class_bin_positives", "the positives of all classes add up to \(positives), expected count (\(count)): one label per row")
        }
        if let g = logitGap { try g.validate(rows: count, path: "\(path).logit_gap") }
    }

    /// The largest sum of n probabilities (each ≤ 1) that `validate` accepts.
    static func probabilitySumBound(_ n: Int) -> Double { Double(n) * (1 + probabilitySumTolerance) }

    /// True when `other` was computed with the same classes, bins, edge rule, binning,
    /// temperature and top-k, so that the two can be merged; otherwise the field that differs.
    public func incompatibility(with other: CalibrationState) -> (field: String, message: String)? {
        if version != other.version { return ("version", "state version \(other.version) differs from \(version)") }
        if numClasses != other.numClasses { return ("num_classes", "num_classes \(other.numClasses) differs from \(numClasses)") }
        if bins != other.bins { return ("bins", "bins \(other.bins) differs from \(bins)") }
        if edgeRule != other.edgeRule { return ("edge_rule", "edge rule \(other.edgeRule.rawValue) differs from \(edgeRule.rawValue)") }
        if binning != other.binning { return ("binning", "binning \(other.binning.rawValue) differs from \(binning.rawValue)") }
        if temperature != other.temperature { return ("temperature", "temperature \(other.temperature) differs from \(temperature)") }
        if topK != other.topK { return ("top_k", "top_k \(other.topK) differs from \(topK)") }
        switch (logitGap, other.logitGap) {
        case (nil, nil): break
        case (let a?, let b?): if let conflict = a.incompatibility(with: b) { return conflict }
        default: return ("logit_gap", "one state has logit_gap sums and the other not (request logit_gap for every shard, or for none)")
        }
        return nil
    }

    /// Adds `other`'s statistics to this state: the state of the concatenated rows.
    ///
    /// Every count is added with overflow reporting and must stay ≤ `maximumCount`, every sum
    /// must stay finite; otherwise this throws `too_large` naming the field, and the state is
    /// left unchanged. Both states should have passed `validate` (a state whose arrays do not
    /// match its header is rejected with `shape_mismatch`).
    public mutating func merge(_ other: CalibrationState) throws(ValidationError) {
        if let (field, message) = incompatibility(with: other) {
            throw ValidationError(.conflictingFields, "cannot merge states: \(message)", path: field)
        }
        guard topKCorrect.count == other.topKCorrect.count, binCount.count == other.binCount.count,
              binCorrect.count == other.binCount.count, binConfidenceSum.count == other.binCount.count,
              binCorrect.count == binCount.count, binConfidenceSum.count == binCount.count,
              classBinCount.count == other.classBinCount.count, classBinPositives.count == other.classBinCount.count,
              classBinProbabilitySum.count == other.classBinCount.count, classBinPositives.count == classBinCount.count,
              classBinProbabilitySum.count == classBinCount.count else {
            throw ValidationError(.shapeMismatch, "cannot merge states whose arrays differ in size (validate them first)", path: "bin_count")
        }
        func add(_ a: Int, _ b: Int, _ field: @autoclosure () -> String) throws(ValidationError) -> Int {
            let (sum, overflow) = a.addingReportingOverflow(b)
            guard !overflow, sum <= Self.maximumCount else {
                throw ValidationError(.tooLarge, "the merged \(field()) exceeds \(Self.maximumCount) (2^53 − 1), the largest count a state holds", path: field())
            }
            return sum
        }
        func add(_ a: Double, _ b: Double, _ field: @autoclosure () -> String) throws(ValidationError) -> Double {
            let sum = a + b
            guard sum.isFinite else {
                throw ValidationError(.tooLarge, "the merged \(field()) is beyond the float64 range", path: field())
            }
            return sum
        }
        var r = self
        r.count = try add(count, other.count, "count")
        r.correct = try add(correct, other.correct, "correct")
        for i in topKCorrect.indices { r.topKCorrect[i] = try add(topKCorrect[i], other.topKCorrect[i], "top_k_correct[\(i)]") }
        r.confidenceSum = try add(confidenceSum, other.confidenceSum, "confidence_sum")
        r.nllSum = try add(nllSum, other.nllSum, "nll_sum")
        r.nllInfiniteCount = try add(nllInfiniteCount, other.nllInfiniteCount, "nll_infinite_count")
        r.brierSum = try add(brierSum, other.brierSum, "brier_sum")
        r.entropySum = try add(entropySum, other.entropySum, "entropy_sum")
        for b in binCount.indices {
            r.binCount[b] = try add(binCount[b], other.binCount[b], "bin_count[\(b)]")
            r.binCorrect[b] = try add(binCorrect[b], other.binCorrect[b], "bin_correct[\(b)]")
            r.binConfidenceSum[b] = try add(binConfidenceSum[b], other.binConfidenceSum[b], "bin_confidence_sum[\(b)]")
        }
        for i in classBinCount.indices {
            r.classBinCount[i] = try add(classBinCount[i], other.classBinCount[i], "class_bin_count[\(i)]")
            r.classBinPositives[i] = try add(classBinPositives[i], other.classBinPositives[i], "class_bin_positives[\(i)]")
            r.classBinProbabilitySum[i] = try add(classBinProbabilitySum[i], other.classBinProbabilitySum[i], "class_bin_probability_sum[\(i)]")
        }
        if let a = logitGap, let b = other.logitGap {
            let n = try add(a.count, b.count, "logit_gap.count")
            let infinite = try add(a.infinite, b.infinite, "logit_gap.infinite")
            _ = try add(a.beyondOptimal, b.beyondOptimal, "logit_gap.beyond_optimal")
            let merged = a.merged(with: b, count: n, infinite: infinite)
            for (name, value) in [("sum", merged.sum), ("m2", merged.m2), ("top2_sum", merged.top2Sum), ("norm_sum", merged.normSum)] where !value.isFinite {
                throw ValidationError(.tooLarge, "the merged logit_gap.\(name) is beyond the float64 range", path: "logit_gap.\(name)")
            }
            r.logitGap = merged
        }
        self = r
    }

    /// `self` merged with `other`.
    public func merged(with other: CalibrationState) throws(ValidationError) -> CalibrationState {
        var result = self
        try result.merge(other)
        return result
    }

    /// Merges a list of states (e.g. `/v1/calibration/merge`'s `states`), validating each;
    /// error paths name the offending entry (`states[3].bins`).
    public static func merge(_ states: [CalibrationState], path: String = "states") throws(ValidationError) -> CalibrationState {
        guard let first = states.first else {
            throw ValidationError(.missingField, "at least one state is needed", path: path)
        }
        try first.validate(path: "\(path)[0]")
        var result = first
        for i in states.indices.dropFirst() {
            try states[i].validate(path: "\(path)[\(i)]")
            if let (field, message) = first.incompatibility(with: states[i]) {
                throw ValidationError(.conflictingFields, "cannot merge states: \(message)", path: "\(path)[\(i)].\(field)")
            }
            do {
                try result.merge(states[i])
            } catch {
                throw ValidationError(error.code, error.message, path: "\(path)[\(i)].\(error.path)")
            }
        }
        return result
    }
}
