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
/// replicate). Only equal-width binning is resampled. Cost: O(resamples·(N + bins)).
enum Bootstrap {
    static let lowerPercentile = 2.5
    static let upperPercentile = 97.5

    static func intervals(rows: CalibrationRows, state: CalibrationState, resamples: Int, seed: UInt64)
        -> (metrics: [CalibrationMetric: ConfidenceInterval], topK: [Int: ConfidenceInterval]) {
        let n = rows.count
        guard resamples > 0, n > 0 else { return ([:], [:]) }
        let binTotal = state.edges.binCount
        var generator = Xoshiro256StarStar(seed: seed)
        var samples = [CalibrationMetric: [Double]]()
        let tracked: [CalibrationMetric] = [.accuracy, .meanConfidence, .ece, .mce, .rmsCE, .overconfidence, .debiasedRMSCE, .brier, .nll, .meanEntropy]
        for metric in tracked { samples[metric] = [] }
        var topKSamples = [[Double]](repeating: [], count: state.topK.count)

        var count = [Int](repeating: 0, count: binTotal)
        var correct = [Int](repeating: 0, count: binTotal)
        var confidenceSum = [Double](repeating: 0, count: binTotal)
        var topKHits = [Int](repeating: 0, count: state.topK.count)
        for _ in 0..<resamples {
            for b in 0..<binTotal { count[b] = 0; correct[b] = 0; confidenceSum[b] = 0 }
            for i in topKHits.indices { topKHits[i] = 0 }
            var hits = 0, infinite = 0
            var confidence = 0.0, nll = 0.0, brier = 0.0, entropy = 0.0
            for _ in 0..<n {
                let r = generator.next(below: n)
                let b = Int(rows.bin[r])
                count[b] += 1
                confidenceSum[b] += rows.confidence[r]
                confidence += rows.confidence[r]
                if rows.correct[r] { correct[b] += 1; hits += 1 }
                let rank = Int(rows.rank[r])
                for (i, k) in state.topK.enumerated() where rank < k { topKHits[i] += 1 }
                if rows.nll[r].isFinite { nll += rows.nll[r] } else { infinite += 1 }
                brier += rows.brier[r]
                entropy += rows.entropy[r]
            }
            let total = Double(n)
            let errors = BinnedErrors(count: count, correct: correct, confidenceSum: confidenceSum, total: n)
            samples[.accuracy]!.append(Double(hits) / total)
            samples[.meanConfidence]!.append(confidence / total)
            samples[.ece]!.append(errors.ece)
            samples[.mce]!.append(errors.mce ?? 0)
            samples[.rmsCE]!.append(errors.rmsCE)
            samples[.overconfidence]!.append(errors.overconfidence)
            samples[.debiasedRMSCE]!.append(errors.debiasedRMSCE)
            samples[.brier]!.append(brier / total)
            if infinite == 0 { samples[.nll]!.append(nll / total) }
            samples[.meanEntropy]!.append(entropy / total)
            for i in topKHits.indices { topKSamples[i].append(Double(topKHits[i]) / total) }
        }
        var result = [CalibrationMetric: ConfidenceInterval]()
        for (metric, values) in samples where values.count == resamples {
            result[metric] = interval(values)
        }
        var topK = [Int: ConfidenceInterval]()
        for (i, k) in state.topK.enumerated() { topK[k] = interval(topKSamples[i]) }
        return (result, topK)
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
