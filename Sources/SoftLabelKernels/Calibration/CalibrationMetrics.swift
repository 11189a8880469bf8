import RealModule

/// One row of the reliability table: a bin, its rows, their mean confidence and accuracy.
public struct ReliabilityBin: Sendable, Equatable {
    public var lower: Double
    public var upper: Double
    public var count: Int
    /// nil for an empty bin.
    public var meanConfidence: Double?
    /// nil for an empty bin.
    public var accuracy: Double?

    public init(lower: Double, upper: Double, count: Int, meanConfidence: Double?, accuracy: Double?) {
        self.lower = lower
        self.upper = upper
        self.count = count
        self.meanConfidence = meanConfidence
        self.accuracy = accuracy
    }
}

/// A percentile-bootstrap 95 % interval [2.5th, 97.5th percentile].
public struct ConfidenceInterval: Sendable, Equatable {
    public var low: Double
    public var high: Double
    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }
}

/// The metrics of `/v1/calibration`, named as in the API.
public enum CalibrationMetric: String, Sendable, Equatable, Hashable, CaseIterable {
    case accuracy
    case topKAccuracy = "top_k_accuracy"
    case meanConfidence = "mean_confidence"
    case ece, mce
    case rmsCE = "rms_ce"
    case adaptiveECE = "adaptive_ece"
    case classwiseECE = "classwise_ece"
    case debiasedRMSCE = "debiased_rms_ce"
    case smoothECE = "smooth_ece"
    case brier, nll
    case meanEntropy = "mean_entropy"
    case overconfidence
    case reliability
    /// The true-class logit margin statistics (`LogitGapSummary`).
    case logitGap = "logit_gap"
    /// Selective classification (`SelectiveMetrics`).
    case selective
    /// Only ever in `omitted`: the gap quantiles, which need the rows (a merged state has none).
    case logitGapQuantiles = "logit_gap.quantiles"
}

/// Every calibration metric of docs/api.md's `/v1/calibration` response (top-label unless named).
/// Values are nil where undefined: no rows, an empty set of bins for MCE, NLL of a probability
/// row with p_y = 0, or a metric that needs the rows when only a state was given (`omitted`).
public struct CalibrationMetrics: Sendable, Equatable {
    /// N, rows evaluated.
    public var count: Int
    /// Fraction of rows whose first argmax is the label.
    public var accuracy: Double?
    /// k → fraction of rows whose label ranks in the top k (k ≤ K only).
    public var topKAccuracy: [Int: Double]
    public var meanConfidence: Double?
    /// Σ_b n_b/N·|acc_b − conf_b| (Naeini et al. 2015, Guo et al. 2017).
    public var ece: Double?
    /// max_b |acc_b − conf_b| over non-empty bins.
    public var mce: Double?
    /// sqrt(Σ_b n_b/N·(acc_b − conf_b)²).
    public var rmsCE: Double?
    /// ECE over equal-mass groups of the rows sorted by confidence (Nixon et al. 2019).
    public var adaptiveECE: Double?
    /// Mean over classes k of the ECE of p_k against 1[y = k] (Kull et al. 2019).
    public var classwiseECE: Double?
    /// sqrt(max(Σ_b n_b/N·((acc_b − conf_b)² − acc_b(1 − acc_b)/(n_b − 1)), 0)), bins with n_b ≥ 2
    /// (Kumar et al. 2019; uncertainty-calibration `unbiased_l2_ce`).
    public var debiasedRMSCE: Double?
    /// relplot `smECE` (Błasiok & Nakkiran 2024).
    public var smoothECE: Double?
    /// The kernel bandwidth σ that relplot's search chose for `smoothECE`.
    public var smoothECEBandwidth: Double?
    /// Mean over rows of Σ_k (p_k − 1[y = k])², in [0, 2].
    public var brier: Double?
    /// Mean −log p_y from log-softmax (nats).
    public var nll: Double?
    /// Mean −Σ_k p_k log p_k (nats).
    public var meanEntropy: Double?
    /// Σ_b n_b/N·max(conf_b − acc_b, 0).
    public var overconfidence: Double?
    /// Every bin, in order; empty bins have count 0 and nil means.
    public var reliability: [ReliabilityBin]
    /// Percentile-bootstrap 95 % intervals (with `bootstrap > 0`), per metric.
    public var intervals: [CalibrationMetric: ConfidenceInterval]
    /// Bootstrap intervals of top-k accuracy, per k.
    public var topKIntervals: [Int: ConfidenceInterval]
    /// Metrics that could not be computed from what was given (a state without the rows:
    /// adaptive and smooth ECE, and with equal-mass binning every binned metric).
    public var omitted: [CalibrationMetric]
    /// The sufficient statistics these metrics were (or, for the row-based ones, could be
    /// merged and) computed from. With a selection that does not include `state`, the parts no
    /// selected metric needs are left empty (see `CalibrationPass`).
    public var state: CalibrationState
    /// The true-class logit margins, with `logit_gap` selected (or a state holding their sums).
    public var logitGap: LogitGapSummary? = nil
    /// Selective classification, with `selective` selected.
    public var selective: SelectiveMetrics? = nil
    /// What was asked for: the response holds these (and `count`) only.
    public var selection: CalibrationSelection = .everything
}

/// The binned top-label errors of one set of bins, from per-bin counts and sums.
struct BinnedErrors {
    var ece: Double
    var mce: Double?
    var rmsCE: Double
    var overconfidence: Double
    var debiasedRMSCE: Double

    /// `count[b]` rows with `correct[b]` correct and confidence sum `confidenceSum[b]`, N = Σcount.
    /// n_b/N·|acc_b − conf_b| is evaluated as |correct_b − Σconf_b|/N (the same number, one
    /// rounding fewer).
    init(count: [Int], correct: [Int], confidenceSum: [Double], total n: Int) {
        let total = Double(n)
        var ece = CompensatedSum(), squares = CompensatedSum(), over = CompensatedSum(), debiased = CompensatedSum()
        var mce: Double? = nil
        for b in count.indices where count[b] > 0 {
            let nb = Double(count[b])
            let accuracy = Double(correct[b]) / nb
            let meanConfidence = confidenceSum[b] / nb
            let gap = accuracy - meanConfidence
            let weight = nb / total
            ece.add(Swift.abs(Double(correct[b]) - confidenceSum[b]) / total)
            mce = Swift.max(mce ?? 0, Swift.abs(gap))
            squares.add(weight * gap * gap)
            over.add(weight * Swift.max(-gap, 0))
            if count[b] >= 2 {
                debiased.add(weight * (gap * gap - accuracy * (1 - accuracy) / (nb - 1)))
            }
        }
        self.ece = ece.value
        self.mce = mce
        self.rmsCE = Swift.max(squares.value, 0).squareRoot()
        self.overconfidence = over.value
        self.debiasedRMSCE = Swift.max(debiased.value, 0).squareRoot()
    }
}

extension CalibrationMetrics {
    /// Every mergeable metric from a state alone (docs/api.md, "Mergeable state"); adaptive and
    /// smooth ECE (and, for equal-mass binning, the binned metrics) are listed in `omitted`.
    public init(state: CalibrationState) {
        let n = state.count
        let total = Double(n)
        count = n
        state.validateShapeForMetrics()
        accuracy = n > 0 ? Double(state.correct) / total : nil
        var topK = [Int: Double]()
        if n > 0 { for (i, k) in state.topK.enumerated() { topK[k] = Double(state.topKCorrect[i]) / total } }
        topKAccuracy = topK
        meanConfidence = n > 0 ? state.confidenceSum / total : nil
        brier = n > 0 ? state.brierSum / total : nil
        nll = n > 0 && state.nllInfiniteCount == 0 ? state.nllSum / total : nil
        meanEntropy = n > 0 ? state.entropySum / total : nil
        adaptiveECE = nil
        smoothECE = nil
        smoothECEBandwidth = nil
        intervals = [:]
        topKIntervals = [:]
        self.state = state
        omitted = [.adaptiveECE, .smoothECE]

        // Classwise: (1/K) Σ_k Σ_b n_kb/N·|pos_kb/n_kb − Σp_kb/n_kb| = (1/(N·K)) Σ_k Σ_b |pos_kb − Σp_kb|.
        // (Empty cells: a pass that was not asked for classwise ECE.)
        if n > 0 && !state.classBinCount.isEmpty {
            var classwise = CompensatedSum()
            for i in state.classBinCount.indices where state.classBinCount[i] > 0 {
                classwise.add(Swift.abs(Double(state.classBinPositives[i]) - state.classBinProbabilitySum[i]))
            }
            classwiseECE = classwise.value / (total * Double(state.numClasses))
        } else {
            classwiseECE = nil
        }

        if state.binning == .equalWidth {
            let edges = state.edges
            reliability = (0..<edges.binCount).map { b in
                let nb = state.binCount[b]
                return ReliabilityBin(lower: edges.lower(b), upper: edges.upper(b), count: nb,
                                      meanConfidence: nb > 0 ? state.binConfidenceSum[b] / Double(nb) : nil,
                                      accuracy: nb > 0 ? Double(state.binCorrect[b]) / Double(nb) : nil)
            }
            if n > 0 {
                let errors = BinnedErrors(count: state.binCount, correct: state.binCorrect, confidenceSum: state.binConfidenceSum, total: n)
                setBinned(errors)
            } else {
                setBinned(nil)
            }
        } else {
            reliability = []
            setBinned(nil)
            omitted += [.ece, .mce, .rmsCE, .overconfidence, .debiasedRMSCE, .reliability]
        }
    }

    mutating func setBinned(_ errors: BinnedErrors?) {
        ece = errors?.ece
        mce = errors?.mce
        rmsCE = errors?.rmsCE
        overconfidence = errors?.overconfidence
        debiasedRMSCE = errors?.debiasedRMSCE
    }
}

extension CalibrationState {
    /// Traps on a state whose arrays do not match its header (call `validate(path:)` on states
    /// from outside first).
    func validateShapeForMetrics() {
        precondition(binCount.count == edges.binCount && binCorrect.count == binCount.count
                     && binConfidenceSum.count == binCount.count && topKCorrect.count == topK.count
                     && (classBinCount.count == numClasses * bins || classBinCount.isEmpty) && classBinPositives.count == classBinCount.count
                     && classBinProbabilitySum.count == classBinCount.count, "inconsistent CalibrationState")
    }
}
