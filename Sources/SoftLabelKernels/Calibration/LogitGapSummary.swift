/// The `logit_gap` object of `/v1/calibration` (docs/api.md): statistics of the true-class
/// margin g = z_y − max_{j≠y} z_j over the rows with finite values, on z = logits/T (log p for
/// probabilities). Fields are nil where undefined (no finite rows; `optimal` and
/// `beyondOptimal` without a uniform or off-target ε > 0; `quantiles` from a merged state).
public struct LogitGapSummary: Sendable, Equatable {
    /// The quantile levels of `quantiles`, and their keys in the response.
    public static let quantileLevels: [(key: String, level: Double)] = [("0.05", 0.05), ("0.25", 0.25), ("0.5", 0.5), ("0.75", 0.75), ("0.95", 0.95)]

    public var mean: Double?
    /// Population standard deviation sqrt(m2/n).
    public var std: Double?
    public var min: Double?
    public var max: Double?
    /// numpy.quantile (linear) at `quantileLevels`; nil when the rows are not at hand.
    public var quantiles: [Double]?
    /// Mean of z_(1) − z_(2).
    public var top2Mean: Double?
    /// Mean ‖z‖₂.
    public var normMean: Double?
    public var optimal: Double?
    /// Share of the finite rows with g > optimal.
    public var beyondOptimal: Double?
    /// Rows left out because a value was not finite.
    public var infinite: Int

    /// From the sums, and `sortedGaps` (the finite rows' g, ascending) for the quantiles when the
    /// rows are at hand.
    public init(_ s: LogitGapStatistics, numClasses: Int, sortedGaps: [Double]?) {
        let n = Double(s.count)
        let some = s.count > 0
        mean = some ? s.sum / n : nil
        std = some ? Swift.max(s.m2 / n, 0).squareRoot() : nil
        min = some ? s.min : nil
        max = some ? s.max : nil
        top2Mean = some ? s.top2Sum / n : nil
        normMean = some ? s.normSum / n : nil
        optimal = s.optimal(numClasses: numClasses)
        beyondOptimal = some && optimal != nil ? Double(s.beyondOptimal) / n : nil
        infinite = s.infinite
        if let sortedGaps, !sortedGaps.isEmpty {
            quantiles = Self.quantileLevels.map { LinearQuantile.quantile(sorted: sortedGaps, $0.level) }
        } else {
            quantiles = nil
        }
    }
}
