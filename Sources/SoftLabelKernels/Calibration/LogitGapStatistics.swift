import RealModule

/// The mergeable sums of the logit-gap statistics (docs/api.md, "logit_gap"), kept in the
/// calibration `state` when `logit_gap` is requested.
///
/// Per row, on z = logits/T (or log p): g = z_y − max_{j≠y} z_j, the top-2 gap z_(1) − z_(2) and
/// ‖z‖₂. A row where any of the three is not finite (probabilities with p = 0, or K = 1) is
/// counted in `infinite` and left out of every other field. The spread is kept as
/// m2 = Σ (g − mean)², updated per row by Welford's method and merged by Chan, Golub & LeVeque's
/// pairwise formula m2 = m2_a + m2_b + δ²·n_a·n_b/n (δ = mean_b − mean_a), which keeps the
/// population variance m2/n accurate even where mean² ≫ variance (no Σg² − n·mean² cancellation).
public struct LogitGapStatistics: Sendable, Equatable {
    /// The ε the `optimal` gap is computed for (nil: none given, or 0).
    public var labelSmoothing: Float?
    /// The smoothing kind of `optimal` (nil with no ε).
    public var smoothing: SmoothingKind?
    /// Rows with finite values.
    public var count: Int = 0
    /// Rows left out because a value was not finite.
    public var infinite: Int = 0
    /// Σ g.
    public var sum: Double = 0
    /// Σ (g − mean)².
    public var m2: Double = 0
    /// min g and max g (meaningful when count > 0; ±∞ otherwise).
    public var min: Double = .infinity
    public var max: Double = -.infinity
    /// Σ (z_(1) − z_(2)).
    public var top2Sum: Double = 0
    /// Σ ‖z‖₂.
    public var normSum: Double = 0
    /// Rows with g > optimal (0 when there is no optimal).
    public var beyondOptimal: Int = 0

    public init(labelSmoothing: Float?, smoothing: SmoothingKind?) {
        // ε = 0 smooths nothing: the same as no ε (`optimal` null), and merges as such.
        let epsilon = labelSmoothing.flatMap { $0 > 0 ? $0 : nil }
        self.labelSmoothing = epsilon
        self.smoothing = epsilon == nil ? nil : (smoothing ?? .uniform)
    }

    /// The gap of the smoothed target for K classes, if there is one.
    public func optimal(numClasses: Int) -> Double? {
        SmoothedTargetGap.optimal(epsilon: labelSmoothing, kind: smoothing, numClasses: numClasses)
    }

    /// Adds one row (`optimal` from `optimal(numClasses:)`, passed in to avoid a log per row).
    @inline(__always)
    public mutating func add(gap g: Double, top2 t: Double, norm: Double, optimal: Double?) {
        guard g.isFinite, t.isFinite, norm.isFinite else {
            infinite += 1
            return
        }
        let before = mean
        count += 1
        sum += g
        m2 += (g - before) * (g - mean)  // Welford: (g − mean_{n−1})·(g − mean_n)
        if g < min { min = g }
        if g > max { max = g }
        top2Sum += t
        normSum += norm
        if let optimal, g > optimal { beyondOptimal += 1 }
    }

    /// Σg/n (0 for no rows).
    public var mean: Double { count > 0 ? sum / Double(count) : 0 }

    /// Why `other` cannot be merged into this one: (field, message), or nil.
    func incompatibility(with other: LogitGapStatistics) -> (String, String)? {
        if labelSmoothing != other.labelSmoothing || smoothing != other.smoothing {
            return ("logit_gap.label_smoothing", "the logit gaps were measured against different smoothing (ε \(other.labelSmoothing.map { "\($0)" } ?? "none") vs \(labelSmoothing.map { "\($0)" } ?? "none"))")
        }
        return nil
    }

    /// The statistics of both sets of rows (counts checked by the caller).
    func merged(with o: LogitGapStatistics, count n: Int, infinite: Int) -> LogitGapStatistics {
        var r = self
        r.count = n
        r.infinite = infinite
        r.sum = sum + o.sum
        if count == 0 {
            r.m2 = o.m2
        } else if o.count > 0 {
            let delta = o.mean - mean
            r.m2 = m2 + o.m2 + delta * delta * (Double(count) * Double(o.count) / Double(n))
        }
        r.min = Swift.min(min, o.min)
        r.max = Swift.max(max, o.max)
        r.top2Sum = top2Sum + o.top2Sum
        r.normSum = normSum + o.normSum
        r.beyondOptimal = beyondOptimal + o.beyondOptimal
        return r
    }

    /// Checks sums read back from JSON against a state of `rows` rows: count + infinite = rows,
    /// beyond_optimal ≤ count, finite sums, m2 ≥ 0, min ≤ max when count > 0, norms ≥ 0, top-2
    /// gaps ≥ 0, ε in (0, 1] with a kind, or neither.
    func validate(rows: Int, path: String) throws(ValidationError) {
        func fail(_ field: String, _ message: String) -> ValidationError {
            ValidationError(.invalidValue, message, path: "\(path).\(field)")
        }
        guard count >= 0, infinite >= 0, count <= rows, infinite == rows - count else {
            throw fail("count", "count + infinite must equal the state's count (\(rows)), got \(count) + \(infinite)")
        }
        guard beyondOptimal >= 0, beyondOptimal <= count else { throw fail("beyond_optimal_count", "must be in [0, count]") }
        if labelSmoothing == nil && beyondOptimal != 0 { throw fail("beyond_optimal_count", "must be 0 without label_smoothing") }
        for (name, value) in [("sum", sum), ("m2", m2), ("top2_sum", top2Sum), ("norm_sum", normSum)] where !value.isFinite {
            throw fail(name, "must be finite, got \(value)")
        }
        guard m2 >= 0 else { throw fail("m2", "a sum of squares must be ≥ 0, got \(m2)") }
        guard top2Sum >= 0, normSum >= 0 else { throw fail(top2Sum < 0 ? "top2_sum" : "norm_sum", "must be ≥ 0") }
        if count > 0 {
            guard min.isFinite, max.isFinite, min <= max else { throw fail("min", "min and max must be finite with min ≤ max") }
        }
        if let e = labelSmoothing {
            guard e > 0, e <= 1, smoothing != nil else { throw fail("label_smoothing", "must be in (0, 1] with a smoothing kind, or null") }
        } else if smoothing != nil {
            throw fail("smoothing", "must be null without label_smoothing")
        }
    }
}
