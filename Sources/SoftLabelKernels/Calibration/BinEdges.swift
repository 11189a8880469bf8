/// Which side of a bin edge a confidence exactly on it belongs to.
///
/// The anchor libraries agree on `bins` equal-width bins with edges i/bins and disagree only
/// there (docs/api.md, "POST /v1/calibration"), which moves a sample between bins and so changes
/// ECE whenever confidences are exactly representable fractions (0.5, 0.75, 1.0 ...).
public enum EdgeRule: String, Sendable, Equatable, CaseIterable {
    /// [lo, hi), the last bin closed [lo, 1]. The default; netcal; numpy `digitize`-style code.
    case lowerClosed = "lower_closed"
    /// (lo, hi], the first bin closed [0, hi]: uncertainty-calibration `get_ece`
    /// (`np.searchsorted(bins, p)`, side left) and Guo et al.'s `_ECELoss`.
    case upperClosed = "upper_closed"
    /// [lo, hi) everywhere, so a confidence of exactly 1.0 lands in an extra, (bins+1)-th bin
    /// [1, 1]: torchmetrics `_binning_bucketize` (`bucketize(right=True) − 1` over
    /// `linspace(0, 1, bins+1)`), torchmetrics issue #3510.
    case separateOne = "separate_one"
}

/// Equal-width bins over [0, 1] with edges i/bins and one of the three edge rules.
///
/// Bin lookup is exact: a float32 p times an integer bins ≤ 10⁴ has at most 24 + 14
/// significant bits, so `Double(p) * Double(bins)` is the exact product and its floor (or
/// ceiling) compares p against the exact rational edge i/bins. That is what numpy and
/// uncertainty-calibration do with float64 edges (no float32 value lies strictly between
/// i/bins and its float64 rounding). torchmetrics compares against float32 `linspace`
/// edges, which differ from i/bins by under half a float32 ulp; a float32 confidence in that
/// sliver (never an exactly representable edge such as 0.25 or 1.0) may bin differently there.
public struct BinEdges: Sendable, Equatable {
    /// Number of equal-width bins between 0 and 1.
    public var bins: Int
    public var rule: EdgeRule

    public init(bins: Int, rule: EdgeRule) {
        precondition(bins >= 1, "at least one bin")
        self.bins = bins
        self.rule = rule
    }

    /// Bins that can hold samples: `bins`, plus the [1, 1] bin of `separateOne`.
    @inlinable
    public var binCount: Int { rule == .separateOne ? bins + 1 : bins }

    /// Index in [0, binCount) of the bin that holds `p` (p in [0, 1]; values outside are
    /// clamped, and NaN lands in bin 0). Exact for float32 p (see the type's comment).
    @inlinable @inline(__always)
    public func index(of p: Float) -> Int { index(of: Double(p)) }

    /// Index of the bin that holds a `Double` confidence (the softmax's top probability in
    /// double precision). ⌊p·bins⌋ is rounded once, so only a p within ~1e-16 relative of an
    /// edge can land on the other side, far below float32 resolution.
    @inlinable @inline(__always)
    public func index(of p: Double) -> Int {
        // Clamped before any conversion, so that Int(_:) sees a value in (0, bins + 1]: NaN and
        // p ≤ 0 go to bin 0, p > 1 (and +∞) to the last bin.
        let product = p * Double(bins)
        guard product > 0 else { return 0 }
        let t = Swift.min(product, Double(bins) + 1)
        switch rule {
        case .lowerClosed:
            return Swift.min(Swift.max(Int(t.rounded(.down)), 0), bins - 1)
        case .upperClosed:
            return Swift.min(Swift.max(Int(t.rounded(.up)) - 1, 0), bins - 1)
        case .separateOne:
            return Swift.min(Swift.max(Int(t.rounded(.down)), 0), bins)
        }
    }

    /// Lower edge of bin `b` (i/bins; 1 for the extra bin of `separateOne`).
    public func lower(_ b: Int) -> Double { b >= bins ? 1 : Double(b) / Double(bins) }

    /// Upper edge of bin `b` ((i+1)/bins; 1 for the extra bin of `separateOne`).
    public func upper(_ b: Int) -> Double { b >= bins ? 1 : Double(b + 1) / Double(bins) }
}

/// Bin lookup under the default rule without the struct: ⌊p·bins⌋ clamped to [0, last]
/// (NaN to 0). Used for classwise ECE, which always bins p_k with the default rule (docs/api.md).
@inlinable @inline(__always)
func lowerClosedBin(_ p: Float, bins: Double, last: Int) -> Int {
    let t = Double(p) * bins  // exact product (see BinEdges)
    guard t >= 1 else { return 0 }  // p < 1/bins, negative or NaN
    return t >= Double(last) ? last : Int(t)  // truncation = floor for t ≥ 1
}
