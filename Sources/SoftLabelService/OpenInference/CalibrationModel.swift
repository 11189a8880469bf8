import SoftLabelKernels
import SoftLabelWire

/// Model `calibration`: `POST /v1/calibration` as an inference. Each metric is an FP64 [1]
/// output, the reliability table is five [bins] outputs (`reliability_lower`, `_upper`, `_count`,
/// `_confidence`, `_accuracy`), `top_k_accuracy` pairs with `top_k`, and the mergeable `state`
/// comes as one BYTES element holding its JSON (only when requested), ready for
/// `POST /v1/calibration/merge`. The `logit_gap` object is `logit_gap_*` outputs (one per field,
/// `logit_gap_quantiles` FP64 [5] at the levels 0.05, 0.25, 0.5, 0.75, 0.95), the `selective`
/// object `selective_*` outputs (`selective_coverages` pairs with `selective_risk_at_coverage`
/// as `top_k` with `top_k_accuracy`). Requested outputs choose the work as `metrics` does on
/// /v1/calibration: an output nobody requested is not computed (`selection(_:)`). Without
/// `outputs` the answer is every output but `state`, `logit_gap_*` and `selective_*`, which are
/// returned only on request, as /v1/calibration without `metrics` leaves out `state`'s
/// counterparts `logit_gap` and `selective` (docs/api.md, "metrics").
enum CalibrationModel {
    static let metricOutputs: [(CalibrationMetric, String)] = [
        (.accuracy, "Fraction of rows whose argmax is the label."),
        (.meanConfidence, "Mean top-label confidence."),
        (.ece, "Expected calibration error Σ_b n_b/N·|acc_b − conf_b|."),
        (.mce, "Maximum calibration error over non-empty bins."),
        (.rmsCE, "Root-mean-square calibration error."),
        (.adaptiveECE, "ECE over equal-mass bins (Nixon et al. 2019)."),
        (.classwiseECE, "Class-wise ECE (Kull et al. 2019)."),
        (.debiasedRMSCE, "Debiased RMS calibration error (Kumar et al. 2019)."),
        (.smoothECE, "Smooth ECE, as relplot's smECE."),
        (.brier, "Mean over rows of Σ_k (p_k − y_k)²."),
        (.nll, "Mean negative log-likelihood."),
        (.meanEntropy, "Mean entropy of the predictions, in nats."),
        (.overconfidence, "Σ_b n_b/N·max(conf_b − acc_b, 0)."),
    ]

    /// The `logit_gap` object's fields (docs/api.md "logit_gap"), returned only on request.
    static let logitGapOutputs: [TensorSpec] = [
        TensorSpec("logit_gap_mean", [.fp64], "[1]", "Mean true-class margin g = z_y − max_{j≠y} z_j over the finite rows (NaN without any)."),
        TensorSpec("logit_gap_std", [.fp64], "[1]", "Population standard deviation of g."),
        TensorSpec("logit_gap_min", [.fp64], "[1]", "Smallest g."),
        TensorSpec("logit_gap_max", [.fp64], "[1]", "Largest g."),
        TensorSpec("logit_gap_quantiles", [.fp64], "[5]", "numpy.quantile (linear) of g at 0.05, 0.25, 0.5, 0.75, 0.95."),
        TensorSpec("logit_gap_top2_mean", [.fp64], "[1]", "Mean of z_(1) − z_(2)."),
        TensorSpec("logit_gap_norm_mean", [.fp64], "[1]", "Mean ‖z‖₂."),
        TensorSpec("logit_gap_optimal", [.fp64], "[1]", "The gap the smoothed target implies (parameters label_smoothing, smoothing); NaN without ε > 0 or for another kind than uniform and off_target."),
        TensorSpec("logit_gap_beyond_optimal", [.fp64], "[1]", "Share of the finite rows with g > logit_gap_optimal; NaN where that is."),
        TensorSpec("logit_gap_infinite", [.int64], "[1]", "Rows left out because g, the top-2 gap or ‖z‖₂ is not finite."),
    ]

    /// The `selective` object's fields (docs/api.md "selective"), returned only on request.
    static let selectiveOutputs: [TensorSpec] = [
        TensorSpec("selective_aurc", [.fp64], "[1]", "Area under the risk-coverage curve, (1/N) Σ_k E(k)/k."),
        TensorSpec("selective_augrc", [.fp64], "[1]", "Area under the generalized risk-coverage curve, (1/N²) Σ_k E(k)."),
        TensorSpec("selective_coverages", [.fp64], "[C]", "The coverage c of each selective_risk_at_coverage entry (parameter coverages)."),
        TensorSpec("selective_risk_at_coverage", [.fp64], "[C]", "E(m)/m with m = max(1, ⌈c·N⌉), for each coverage."),
        TensorSpec("selective_misclassification_auroc", [.fp64], "[1]", "AUROC of the top-label confidence for correct vs wrong rows; NaN when all rows are correct or all wrong."),
    ]

    static let model = InferenceModel(
        name: "calibration",
        summary: "Calibration metrics, the reliability table and the mergeable state, as POST /v1/calibration; options (temperature, bins, binning, preset, top_k) in the request parameters.",
        inputs: [
            TensorSpec("logits", [.fp32], "[B, K]", "B rows of K logits. Send logits or probabilities."),
            TensorSpec("probabilities", [.fp32], "[B, K]", "B rows of K probabilities summing to 1."),
            TensorSpec("labels", [.int64, .int32], "[B]", optional: false, "Class indices in [0, K); INT64 or INT32."),
        ],
        outputs: [TensorSpec("count", [.int64], "[1]", "N, rows evaluated.")]
            + metricOutputs.map { TensorSpec($0.0.rawValue, [.fp64], "[1]", $0.1 + " NaN (null in JSON) where undefined.") }
            + [
                TensorSpec("smooth_ece_bandwidth", [.fp64], "[1]", "The kernel bandwidth smooth ECE chose."),
                TensorSpec("top_k", [.int64], "[T]", "The k of each top_k_accuracy entry (k ≤ K)."),
                TensorSpec("top_k_accuracy", [.fp64], "[T]", "Fraction of rows whose label ranks in the top k."),
                TensorSpec("reliability_lower", [.fp64], "[bins]", "Each bin's lower edge."),
                TensorSpec("reliability_upper", [.fp64], "[bins]", "Each bin's upper edge."),
                TensorSpec("reliability_count", [.int64], "[bins]", "Rows in each bin."),
                TensorSpec("reliability_confidence", [.fp64], "[bins]", "Each bin's mean confidence (NaN for an empty bin)."),
                TensorSpec("reliability_accuracy", [.fp64], "[bins]", "Each bin's accuracy (NaN for an empty bin)."),
            ]
            + logitGapOutputs + selectiveOutputs
            + [TensorSpec("state", [.bytes], "[1]", "The mergeable state as JSON text, for POST /v1/calibration/merge (only when requested).")],
        parameters: ["temperature", "bins", "binning", "preset", "top_k", "label_smoothing", "smoothing", "coverages"],
        onRequestOnly: Set(["state"] + (logitGapOutputs + selectiveOutputs).map(\.name)),
        run: run)

    static func run(_ inputs: ModelInputs, _ p: InferenceParameters, _ requested: Set<String>?, _ decoding: RequestDecoding) throws -> InferenceModel.Prepared {
        var f = CalibrationFields()
        f.logits = try inputs.matrix("logits")
        f.probabilities = try inputs.matrix("probabilities")
        f.labels = try inputs.integers("labels")
        f.temperature = try p.float("temperature")
        f.preset = try p.choice("preset", CalibrationConfiguration.Preset.allCases.map { ($0.rawValue, $0) }, decoding)
        f.bins = try p.int("bins")
        f.binning = try p.choice("binning", CalibrationConfiguration.Binning.allCases.map { ($0.rawValue, $0) }, decoding) ?? .equalWidth
        f.topK = try p.intList("top_k")
        f.labelSmoothing = try p.float("label_smoothing")
        f.smoothing = try p.choice("smoothing", SmoothingKind.allCases.map { ($0.rawValue, $0) }, decoding)
        f.coverages = try p.doubleList("coverages")
        f.selection = selection(requested)
        try checkOptionsServeOutputs(f)
        let request = try f.build(decoding, missing: inputs.missing)
        let (input, labels, configuration) = (request.input, request.labels, request.configuration)
        return InferenceModel.Prepared(cost: CalibrationEndpoint.cost(input, configuration)) {
            let m = Calibration.compute(input, labels: labels, configuration: configuration)
            return InferenceModel.Result(outputs: outputs(m))
        }
    }

    /// `label_smoothing`, `smoothing` and `coverages` serve one group of outputs each; without
    /// one of them requested they would silently do nothing (422, as /v1/calibration does
    /// without the metric, worded in outputs).
    static func checkOptionsServeOutputs(_ f: CalibrationFields) throws(ServiceError) {
        let selection = f.selection ?? .everything
        let options: [(String, Bool, CalibrationMetric)] = [
            ("label_smoothing", f.labelSmoothing != nil, .logitGap), ("smoothing", f.smoothing != nil, .logitGap),
            ("coverages", f.coverages != nil, .selective),
        ]
        for (name, given, metric) in options where given && !selection.contains(metric) {
            throw ServiceError(status: 422, code: "conflicting_fields",
                               message: "parameter \(name) is used only by the \(metric.rawValue)_* outputs; request one of them in outputs or leave \(name) out",
                               path: name)
        }
    }

    /// The metrics the requested outputs need (nil: every output but the on-request `state`),
    /// so that what is not requested is not computed.
    static func selection(_ requested: Set<String>?) -> CalibrationSelection {
        guard let requested else {
            var everything = CalibrationSelection.everything
            everything.state = false
            return everything
        }
        var selection = CalibrationSelection(metrics: [], state: requested.contains("state"))
        for name in requested {
            if let metric = CalibrationMetric(rawValue: name) {
                selection.insert(metric)
            } else if name == "smooth_ece_bandwidth" {
                selection.insert(.smoothECE)
            } else if name == "top_k" || name == "top_k_accuracy" {
                selection.insert(.topKAccuracy)
            } else if name.hasPrefix("reliability_") {
                selection.insert(.reliability)
            } else if name.hasPrefix("logit_gap_") {
                selection.insert(.logitGap)
            } else if name.hasPrefix("selective_") {
                selection.insert(.selective)
            }
        }
        return selection
    }

    /// The selected metrics as output tensors, in metadata order (`count` always).
    static func outputs(_ m: CalibrationMetrics) -> [OutputTensor] {
        let selected = m.selection
        let values: [CalibrationMetric: Double?] = [
            .accuracy: m.accuracy, .meanConfidence: m.meanConfidence, .ece: m.ece, .mce: m.mce, .rmsCE: m.rmsCE,
            .adaptiveECE: m.adaptiveECE, .classwiseECE: m.classwiseECE, .debiasedRMSCE: m.debiasedRMSCE,
            .smoothECE: m.smoothECE, .brier: m.brier, .nll: m.nll, .meanEntropy: m.meanEntropy, .overconfidence: m.overconfidence,
        ]
        var result: [OutputTensor] = [.scalar("count", m.count)]
        for (metric, _) in metricOutputs where selected.contains(metric) && !m.omitted.contains(metric) {
            result.append(.scalar(metric.rawValue, values[metric] ?? nil))
        }
        if selected.contains(.smoothECE) && (m.smoothECEBandwidth != nil || !m.omitted.contains(.smoothECE)) {
            result.append(.scalar("smooth_ece_bandwidth", m.smoothECEBandwidth))
        }
        if selected.contains(.topKAccuracy) {
            let ks = m.topKAccuracy.keys.sorted()
            result.append(OutputTensor(name: "top_k", shape: [ks.count], data: .int64(ks)))
            result.append(OutputTensor(name: "top_k_accuracy", shape: [ks.count], data: .fp64(ks.map { m.topKAccuracy[$0]! })))
        }
        if selected.contains(.reliability) { appendReliability(m, to: &result) }
        if selected.contains(.logitGap), let gap = m.logitGap { appendLogitGap(gap, to: &result) }
        if selected.contains(.selective), let selective = m.selective { appendSelective(selective, to: &result) }
        if selected.state {
            var w = JSONWriter(capacity: 4096 + m.state.classBinCount.count * 24)
            CalibrationStateJSON.write(m.state, into: &w)
            result.append(OutputTensor(name: "state", shape: [1], data: .bytes([w.bytes])))
        }
        return result
    }

    static func appendReliability(_ m: CalibrationMetrics, to result: inout [OutputTensor]) {
        let bins = m.reliability
        let reliability: [(String, OutputTensor.Data)] = [
            ("reliability_lower", .fp64(bins.map(\.lower))),
            ("reliability_upper", .fp64(bins.map(\.upper))),
            ("reliability_count", .int64(bins.map(\.count))),
            ("reliability_confidence", .fp64(bins.map { $0.meanConfidence ?? .nan })),
            ("reliability_accuracy", .fp64(bins.map { $0.accuracy ?? .nan })),
        ]
        for (name, data) in reliability { result.append(OutputTensor(name: name, shape: [bins.count], data: data)) }
    }

    /// `logit_gap_*` in `logitGapOutputs` order; undefined values NaN (five for the quantiles).
    static func appendLogitGap(_ gap: LogitGapSummary, to result: inout [OutputTensor]) {
        let quantiles = gap.quantiles ?? [Double](repeating: .nan, count: LogitGapSummary.quantileLevels.count)
        result += [
            .scalar("logit_gap_mean", gap.mean), .scalar("logit_gap_std", gap.std),
            .scalar("logit_gap_min", gap.min), .scalar("logit_gap_max", gap.max),
            OutputTensor(name: "logit_gap_quantiles", shape: [quantiles.count], data: .fp64(quantiles)),
            .scalar("logit_gap_top2_mean", gap.top2Mean), .scalar("logit_gap_norm_mean", gap.normMean),
            .scalar("logit_gap_optimal", gap.optimal), .scalar("logit_gap_beyond_optimal", gap.beyondOptimal),
            .scalar("logit_gap_infinite", gap.infinite),
        ]
    }

    /// `selective_*` in `selectiveOutputs` order; each coverage is its key read back (the key is
    /// the shortest decimal that reads back to c, so this is c exactly).
    static func appendSelective(_ s: SelectiveMetrics, to result: inout [OutputTensor]) {
        let coverages = s.riskAtCoverage.map { Double($0.key) ?? .nan }
        result += [
            .scalar("selective_aurc", s.aurc), .scalar("selective_augrc", s.augrc),
            OutputTensor(name: "selective_coverages", shape: [coverages.count], data: .fp64(coverages)),
            OutputTensor(name: "selective_risk_at_coverage", shape: [coverages.count], data: .fp64(s.riskAtCoverage.map { $0.risk ?? .nan })),
            .scalar("selective_misclassification_auroc", s.misclassificationAUROC),
        ]
    }
}
