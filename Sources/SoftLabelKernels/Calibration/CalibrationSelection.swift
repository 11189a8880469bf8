/// What a `/v1/calibration` request asks for (its `metrics` field, docs/api.md "metrics"), and
/// from it the work the calibration pass does: a metric nobody asked for is not computed.
///
/// The names are the response's: every `CalibrationMetric` a request may name, plus `state`.
/// `everything` (no `metrics` field) is the response as it was before `metrics` existed: every
/// metric and `state`, but not `logit_gap` or `selective`, which are asked for by name.
///
/// Work per output (the pass always finds each row's argmax, softmax moments and top-label bin):
/// - `classwise_ece` and `state`: the K×bins class-wise cells (a second sweep over each row);
/// - `top_k_accuracy` and `state`: the label's rank among the row's scores;
/// - `adaptive_ece`, `smooth_ece` (FFTs), `selective`, equal-mass binned metrics: the per-row
///   confidences, kept and sorted;
/// - `logit_gap`: a top-2 sweep over each row (and the rows' gaps, sorted, for the quantiles);
/// - bootstrap replicates: only for the requested bootstrapped metrics (none requested: none drawn).
///
/// Kept as a bit set (one bit per `CalibrationMetric` case): `contains` is asked a few dozen times
/// per request, and a `Set`'s hashing showed up at ~4 % of a 32×10 request's CPU.
public struct CalibrationSelection: Sendable, Equatable {
    private var bits: UInt32
    /// Whether the mergeable `state` is returned; it then holds every mergeable sum (it must
    /// merge with any other state), so it costs what every mergeable metric costs.
    public var state: Bool

    public init(metrics: Set<CalibrationMetric>, state: Bool) {
        bits = 0
        self.state = state
        self.metrics = metrics
    }

    private static let allCases = CalibrationMetric.allCases

    @inline(__always)
    private static func bit(_ metric: CalibrationMetric) -> UInt32 {
        1 << UInt32(allCases.firstIndex(of: metric)!)
    }

    /// The metrics to compute and return (never `logitGapQuantiles`).
    public var metrics: Set<CalibrationMetric> {
        get { Set(Self.allCases.filter { bits & Self.bit($0) != 0 }) }
        set { bits = newValue.reduce(0) { $0 | Self.bit($1) } }
    }

    /// Every metric of the pre-`metrics` response, and `state`.
    public static let everything = CalibrationSelection(
        metrics: Set(CalibrationMetric.allCases).subtracting([.logitGap, .selective, .logitGapQuantiles]), state: true)

    /// The names `metrics` accepts, in the API's order.
    public static let names: [String] = CalibrationMetric.allCases.filter { $0 != .logitGapQuantiles }.map(\.rawValue) + ["state"]

    /// The selection of `names` (each one of `CalibrationSelection.names`), or the index of the
    /// first unknown name.
    public static func parse(_ names: [String]) -> Result<CalibrationSelection, UnknownName> {
        var selection = CalibrationSelection(metrics: [], state: false)
        for (i, name) in names.enumerated() {
            if name == "state" {
                selection.state = true
            } else if let metric = CalibrationMetric(rawValue: name), metric != .logitGapQuantiles {
                selection.insert(metric)
            } else {
                return .failure(UnknownName(index: i, name: name))
            }
        }
        return .success(selection)
    }

    public struct UnknownName: Error, Equatable {
        public var index: Int
        public var name: String
    }

    @inline(__always)
    public func contains(_ metric: CalibrationMetric) -> Bool { bits & Self.bit(metric) != 0 }

    public mutating func insert(_ metric: CalibrationMetric) { bits |= Self.bit(metric) }

    private func containsAny(_ metrics: [CalibrationMetric]) -> Bool { metrics.contains { contains($0) } }

    /// Any of the metrics from the top-label bins (equal-width or equal-mass).
    public var needsBinnedErrors: Bool { containsAny([.ece, .mce, .rmsCE, .overconfidence, .debiasedRMSCE, .reliability]) }

    /// The K×bins class-wise cells.
    public var needsClasswise: Bool { state || contains(.classwiseECE) }

    /// The label's rank (top-k hits).
    public var needsTopK: Bool { state || contains(.topKAccuracy) }

    /// The per-row confidences, for the metrics that sort or smooth them.
    public func needsRowConfidences(_ binning: CalibrationConfiguration.Binning) -> Bool {
        containsAny([.adaptiveECE, .smoothECE, .selective]) || (binning == .equalMass && needsBinnedErrors)
    }

    /// The bootstrapped metrics among the requested ones (`Bootstrap.tracked`, and top-k).
    public var bootstrapped: Set<CalibrationMetric> {
        Set((Bootstrap.tracked + [.topKAccuracy]).filter { contains($0) })
    }
}
