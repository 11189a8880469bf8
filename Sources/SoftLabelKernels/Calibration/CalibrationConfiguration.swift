/// How `/v1/calibration` bins and what it computes besides the rows themselves.
///
/// Defaults and limits live here and only here (docs/api.md, "POST /v1/calibration"):
/// 15 equal-width bins with the default edge rule, temperature 1, top-k {1, 5}, no bootstrap,
/// relplot's smooth-ECE tolerance 0.001.
public struct CalibrationConfiguration: Sendable, Equatable {
    /// How rows are grouped for the binned metrics (ECE, MCE, RMS, overconfidence, debiased
    /// RMS, the reliability table).
    public enum Binning: String, Sendable, Equatable, CaseIterable {
        /// `bins` bins of width 1/bins under `edgeRule`. Mergeable.
        case equalWidth = "equal_width"
        /// `bins` groups of rows sorted by confidence whose sizes differ by at most one, the larger
        /// first (`numpy.array_split`), as `adaptive_ece`. Needs the rows: not mergeable.
        case equalMass = "equal_mass"
    }

    /// A library whose ECE numbers to reproduce: its bin count and edge rule.
    public enum Preset: String, Sendable, Equatable, CaseIterable {
        /// torchmetrics `multiclass_calibration_error`: 15 bins, [lo, hi), 1.0 in an extra bin.
        case torchmetrics
        /// netcal `ECE`: 10 bins, [lo, hi), the last bin closed.
        case netcal
        /// uncertainty-calibration `get_ece` (Kumar et al. 2019) and Guo et al.'s `_ECELoss`: 15 bins, (lo, hi].
        case kumar

        public var bins: Int { self == .netcal ? 10 : 15 }

        public var edgeRule: EdgeRule {
            switch self {
            case .torchmetrics: .separateOne
            case .netcal: .lowerClosed
            case .kumar: .upperClosed
            }
        }
    }

    public static let defaultBins = 15
    public static let maximumBins = 10_000
    public static let defaultTopK = [1, 5]
    /// At most this many distinct k values in `top_k`.
    public static let maximumTopKCount = 64
    public static let maximumBootstrap = 10_000
    /// At most this much bootstrap work, bootstrap × (rows + bins) (each replicate draws the rows
    /// and then visits every bin): about 7 s in a release build (measured: 1000 × 100,000 rows
    /// 0.8 s, 10,000 × 10,001 bins 2.4 s); beyond it the request is rejected (`too_large`,
    /// path `bootstrap`).
    public static let maximumBootstrapWork = 1_000_000_000
    /// At most this many rows (2³¹ − 1): the row-based metrics keep row indices as 32-bit integers.
    public static let maximumRows = Int(Int32.max)
    /// Classwise ECE keeps K × bins cells (three numbers each) in the state; beyond this the
    /// request is rejected (`too_large`, path `bins`), the same cap as elements per matrix.
    public static let maximumClasswiseCells = 16_777_216
    /// relplot `smECE(eps=0.001)`: the bandwidth search stops below this σ.
    public static let defaultSmoothECEEpsilon = 0.001

    /// Applied to logits before softmax (softmax(logits / T)); must be 1 for probabilities.
    public var temperature: Float
    public var bins: Int
    public var binning: Binning
    public var edgeRule: EdgeRule
    /// The k of top-k accuracy (each ≥ 1); k > K is left out of the result.
    public var topK: [Int]
    /// Percentile-bootstrap resamples for 95 % intervals (0: none).
    public var bootstrap: Int
    /// Seed of the bootstrap's generator: the same seed and rows give the same intervals.
    public var seed: UInt64
    /// relplot's `eps` of `smECE`.
    public var smoothECEEpsilon: Double
    /// `Calibration.compute` evaluates smooth ECE (10 kernel smoothings over the rows) only
    /// when this is true; false leaves it nil and lists it in `omitted` (benchmarks, callers
    /// that do not report it).
    public var includeSmoothECE: Bool = true
    /// What to compute and return (docs/api.md, "metrics"); `everything` by default.
    public var selection: CalibrationSelection = .everything
    /// The `label_smoothing` ε of the request, for `logit_gap`'s optimal gap only (nil: none).
    public var logitGapEpsilon: Float? = nil
    /// The `smoothing` kind of the request, for `logit_gap`'s optimal gap only.
    public var logitGapSmoothing: SmoothingKind = .uniform
    /// The coverages of `selective`'s `risk_at_coverage`, each in (0, 1].
    public var coverages: [Double] = CalibrationConfiguration.defaultCoverages

    public static let defaultCoverages = [0.5, 0.8, 0.9, 0.95, 1.0]
    /// At most this many coverages.
    public static let maximumCoverages = 64

    /// A configuration; a preset sets `bins` and `edgeRule`, and explicit `bins` / `edgeRule`
    /// override it ("unless a field overrides it").
    public init(preset: Preset? = nil, bins: Int? = nil, binning: Binning = .equalWidth, edgeRule: EdgeRule? = nil,
                temperature: Float = 1, topK: [Int] = CalibrationConfiguration.defaultTopK, bootstrap: Int = 0,
                seed: UInt64 = 0, smoothECEEpsilon: Double = CalibrationConfiguration.defaultSmoothECEEpsilon) {
        self.bins = bins ?? preset?.bins ?? Self.defaultBins
        self.edgeRule = edgeRule ?? preset?.edgeRule ?? .lowerClosed
        self.binning = binning
        self.temperature = temperature
        self.topK = topK
        self.bootstrap = bootstrap
        self.seed = seed
        self.smoothECEEpsilon = smoothECEEpsilon
    }

    public var edges: BinEdges { BinEdges(bins: bins, rule: edgeRule) }

    /// The distinct k ≤ numClasses of `topK`, ascending: what the state counts.
    public func effectiveTopK(numClasses: Int) -> [Int] {
        Array(Set(topK.filter { $0 >= 1 && $0 <= numClasses })).sorted()
    }

    /// Checks every field against its documented domain; paths are the API's field names.
    public func validate() throws(ValidationError) {
        guard bins >= 1, bins <= Self.maximumBins else {
            throw ValidationError(.invalidValue, "bins must be an integer in [1, \(Self.maximumBins)], got \(bins)", path: "bins")
        }
        // A normal float32 (≥ 2⁻¹²⁶ ≈ 1.2e-38): then 1/T is finite, which the kernels' scale needs.
        guard temperature.isNormal, temperature > 0 else {
            throw ValidationError(.invalidValue, "temperature must be a positive normal float32 in [\(Float.leastNormalMagnitude), \(Float.greatestFiniteMagnitude)], got \(temperature)", path: "temperature")
        }
        guard topK.count <= Self.maximumTopKCount else {
            throw ValidationError(.tooLarge, "top_k has \(topK.count) values, at most \(Self.maximumTopKCount) are allowed", path: "top_k")
        }
        for (i, k) in topK.enumerated() where k < 1 {
            throw ValidationError(.invalidValue, "top_k values must be integers ≥ 1, got \(k)", path: "top_k[\(i)]")
        }
        guard bootstrap >= 0, bootstrap <= Self.maximumBootstrap else {
            throw ValidationError(.invalidValue, "bootstrap must be an integer in [0, \(Self.maximumBootstrap)], got \(bootstrap)", path: "bootstrap")
        }
        if let e = logitGapEpsilon, !(e >= 0 && e <= 1) {
            throw ValidationError(.invalidValue, "label_smoothing must be in [0, 1], got \(e)", path: "label_smoothing")
        }
        guard !coverages.isEmpty, coverages.count <= Self.maximumCoverages else {
            throw ValidationError(.invalidValue, "coverages must list 1 to \(Self.maximumCoverages) values in (0, 1], got \(coverages.count)", path: "coverages")
        }
        for (i, c) in coverages.enumerated() {
            guard c > 0 && c <= 1 else {
                throw ValidationError(.invalidValue, "each coverage must be in (0, 1], got \(c)", path: "coverages[\(i)]")
            }
            // Each is a key of risk_at_coverage: 0.5 and 0.50 are the same key.
            if coverages[..<i].contains(c) {
                throw ValidationError(.invalidValue, "coverage \(c) is listed twice", path: "coverages[\(i)]")
            }
        }
        guard smoothECEEpsilon.isFinite, smoothECEEpsilon > 0 else {
            throw ValidationError(.invalidValue, "the smooth ECE tolerance must be a finite number > 0, got \(smoothECEEpsilon)", path: "smooth_ece_eps")
        }
    }
}
