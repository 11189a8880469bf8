import RealModule

/// xoshiro256** (Blackman & Vigna 2018) seeded through SplitMix64: a small, fast generator
/// whose output is fixed by the seed on every platform, so bootstrap intervals are
/// reproducible. Not cryptographic.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// Expands `seed` into the 256-bit state with SplitMix64 (Vigna's recommended seeding).
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform integer in [0, bound) without modulo bias (Lemire 2019, multiply-and-reject).
    @inline(__always)
    public mutating func next(below bound: Int) -> Int {
        let b = UInt64(bound)
        var product = next().multipliedFullWidth(by: b)
        if product.low < b {
            let threshold = (0 &- b) % b
            while product.low < threshold { product = next().multipliedFullWidth(by: b) }
        }
        return Int(product.high)
    }
}

/// Percentile-bootstrap 95 % intervals (Efron & Tibshirani 1993, ch. 13) of the metrics that
/// are functions of per-row values and the top-label bins: accuracy, top-k accuracy, mean
/// confidence, ECE, MCE, RMS CE, overconfidence, debiased RMS CE, Brier, NLL, mean entropy.
///
/// Each of `resamples` replicates draws N rows with replacement (xoshiro256**, `seed`),
/// recomputes the metrics from the replicate's bin counts and sums with the same formulas as
/// the point estimates, and the interval is the 2.5th and 97.5th percentiles of the replicates
/// with numpy's default linear interpolation. Adaptive, classwise and smooth ECE are not
/// bootstrapped (they would need a sort, the K-wide rows, or 11 kernel smoothings per
/// replicate). Only equal-width binning is resampled. Cost: O(resamples·(N + bins)); each
/// replicate draws the rows' multiplicities, then streams over the rows (~1 s for 1000
/// replicates of 100,000 rows).
enum Bootstrap {
    static let lowerPercentile = 2.5
    static let upperPercentile = 97.5

    /// The metrics that get intervals (besides top-k accuracy).
    static let tracked: [CalibrationMetric] = [.accuracy, .meanConfidence, .ece, .mce, .rmsCE, .overconfidence, .debiasedRMSCE, .brier, .nll, .meanEntropy]

    /// Intervals of the `requested` metrics only: a replicate evaluates the per-bin sums only
    /// for accuracy, mean confidence and the binned errors, and each other column only when its
    /// metric is requested (top-k with `.topKAccuracy`). Nothing requested: no replicate is drawn.
    static func intervals(rows: CalibrationRows, state: CalibrationState, resamples: Int, seed: UInt64,
                          requested: Set<CalibrationMetric> = Set(tracked + [.topKAccuracy]))
        -> (metrics: [CalibrationMetric: ConfidenceInterval], topK: [Int: ConfidenceInterval]) {
        let n = rows.count
        let wanted = tracked.filter { requested.contains($0) }
        let topKWanted = requested.contains(.topKAccuracy) && !state.topK.isEmpty
        guard resamples > 0, n > 0, !wanted.isEmpty || topKWanted else { return ([:], [:]) }
        let binTotal = state.edges.binCount
        var generator = Xoshiro256StarStar(seed: seed)
        var samples = [CalibrationMetric: [Double]]()
        for metric in wanted { samples[metric] = [] }
        let perBin = !requested.isDisjoint(with: [.accuracy, .meanConfidence, .ece, .mce, .rmsCE, .overconfidence, .debiasedRMSCE])
        let binned = !requested.isDisjoint(with: [.ece, .mce, .rmsCE, .overconfidence, .debiasedRMSCE])
        var topKSamples = [[Double]](repeating: [], count: topKWanted ? state.topK.count : 0)

        // Rows are put in bin order once. Each replicate draws every row's multiplicity m_r (n
        // increments into an L2-resident array; uniform draws over a permutation of the rows are
        // uniform draws over the rows), then every statistic is a dot product of m with a
        // per-row column: per bin over the bin's segment, the rest over all rows. Same sums as
        // visiting the n draws one by one, but streamed instead of n random reads.
        let segment = BinSegments(bins: rows.bin, binCount: binTotal)
        func column(_ value: (Int) -> Double) -> [Double] { segment.order.map { value(Int($0)) } }
        let confidence = column { rows.confidence[$0] }
        let correctness = column { rows.correct[$0] ? 1 : 0 }
        let nll = requested.contains(.nll) ? column { rows.nll[$0].isFinite ? rows.nll[$0] : 0 } : []
        let infiniteNLL = requested.contains(.nll) ? column { rows.nll[$0].isFinite ? 0 : 1 } : []
        let brier = requested.contains(.brier) ? column { rows.brier[$0] } : []
        let entropy = requested.contains(.meanEntropy) ? column { rows.entropy[$0] } : []
        let topKColumns = topKWanted ? state.topK.map { k in column { Int(rows.rank[$0]) < k ? 1 : 0 } } : []
        var count = [Int](repeating: 0, count: binTotal)
        var correct = [Int](repeating: 0, count: binTotal)
        var confidenceSum = [Double](repeating: 0, count: binTotal)
        var multiplicity = [UInt32](repeating: 0, count: n)
        let total = Double(n)
        func record(_ metric: CalibrationMetric, _ value: @autoclosure () -> Double) {
            if samples[metric] != nil { samples[metric]!.append(value()) }
        }
        for _ in 0..<resamples {
            multiplicity.withUnsafeMutableBufferPointer { m in
                m.update(repeating: 0)
                for _ in 0..<n { m[generator.next(below: n)] &+= 1 }
            }
            let all = 0..<n
            if perBin {
                for b in 0..<binTotal {
                    let range = segment.start[b]..<segment.start[b + 1]
                    count[b] = Int(weightedSum(multiplicity, nil, range))
                    correct[b] = Int(weightedSum(multiplicity, correctness, range))
                    confidenceSum[b] = weightedSum(multiplicity, confidence, range)
                }
                record(.accuracy, Double(correct.reduce(0, +)) / total)
                record(.meanConfidence, confidenceSum.reduce(0, +) / total)
            }
            if binned {
                let errors = BinnedErrors(count: count, correct: correct, confidenceSum: confidenceSum, total: n)
                record(.ece, errors.ece)
                record(.mce, errors.mce ?? 0)
                record(.rmsCE, errors.rmsCE)
                record(.overconfidence, errors.overconfidence)
                record(.debiasedRMSCE, errors.debiasedRMSCE)
            }
            record(.brier, weightedSum(multiplicity, brier, all) / total)
            if requested.contains(.nll), weightedSum(multiplicity, infiniteNLL, all) == 0 {
                samples[.nll]!.append(weightedSum(multiplicity, nll, all) / total)  // +∞ otherwise
            }
            record(.meanEntropy, weightedSum(multiplicity, entropy, all) / total)
            for i in topKColumns.indices { topKSamples[i].append(weightedSum(multiplicity, topKColumns[i], all) / total) }
        }
        var result = [CalibrationMetric: ConfidenceInterval]()
        for (metric, values) in samples where values.count == resamples {
            result[metric] = interval(values)
        }
        var topKIntervals = [Int: ConfidenceInterval]()
        for (i, k) in state.topK.enumerated() where topKWanted { topKIntervals[k] = interval(topKSamples[i]) }
        return (result, topKIntervals)
    }

    /// Σ_{r ∈ range} m_r · column_r (column nil: Σ m_r), four accumulators. Exact for the
    /// integer-valued columns (sums stay far below 2⁵³).
    static func weightedSum(_ m: [UInt32], _ column: [Double]?, _ range: Range<Int>) -> Double {
        m.withUnsafeBufferPointer { m in
            var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
            var r = range.lowerBound
            if let column {
                column.withUnsafeBufferPointer { c in
                    while r + 4 <= range.upperBound {
                        s0 += Double(m[r]) * c[r]
                        s1 += Double(m[r + 1]) * c[r + 1]
                        s2 += Double(m[r + 2]) * c[r + 2]
                        s3 += Double(m[r + 3]) * c[r + 3]
                        r += 4
                    }
                    while r < range.upperBound { s0 += Double(m[r]) * c[r]; r += 1 }
                }
            } else {
                var total = 0
                while r < range.upperBound { total &+= Int(m[r]); r += 1 }
                s0 = Double(total)
            }
            return (s0 + s1) + (s2 + s3)
        }
    }

    /// Rows in bin order (a stable counting sort) and where each bin's rows start.
    struct BinSegments {
        var order: [Int32]
        var start: [Int]

        init(bins: [Int32], binCount: Int) {
            var start = [Int](repeating: 0, count: binCount + 1)
            for b in bins { start[Int(b) + 1] += 1 }
            for b in 0..<binCount { start[b + 1] += start[b] }
            var next = start
            var order = [Int32](repeating: 0, count: bins.count)
            for (r, b) in bins.enumerated() {
                order[next[Int(b)]] = Int32(r)
                next[Int(b)] += 1
            }
            self.order = order
            self.start = start
        }
    }

    static func interval(_ values: [Double]) -> ConfidenceInterval {
        let sorted = values.sorted()
        return ConfidenceInterval(low: percentile(sorted, lowerPercentile), high: percentile(sorted, upperPercentile))
    }

    /// numpy `percentile(..., method="linear")` of ascending values: position q/100·(n−1),
    /// linear interpolation between its neighbours.
    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        precondition(!sorted.isEmpty)
        let position = q / 100 * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = Swift.min(below + 1, sorted.count - 1)
        let fraction = position - Double(below)
        return sorted[below] + (sorted[above] - sorted[below]) * fraction
    }
}
