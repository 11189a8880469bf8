import SoftLabelKernels
import SoftLabelWire

/// Model `calibration`: `POST /v1/calibration` as an inference. Each metric is an FP64 [1]
/// output, the reliability table is five [bins] outputs (`reliability_lower`, `_upper`, `_count`,
/// `_confidence`, `_accuracy`), `top_k_accuracy` pairs with `top_k`, and the mergeable `state`
/// comes as one BYTES element holding its JSON (only when requested), ready for
/// `POST /v1/calibration/merge`. Requested outputs choose the work as `metrics` does on
/// /v1/calibration: an output nobody requested is not computed (`selection(_:)`).
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
                TensorSpec("state", [.bytes], "[1]", "The mergeable state as JSON text, for POST /v1/calibration/merge (only when requested)."),
            ],
        parameters: ["temperature", "bins", "binning", "preset", "top_k"],
        onRequestOnly: ["state"],
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
        f.selection = selection(requested)
        let request = try f.build(decoding, missing: inputs.missing)
        let (input, labels, configuration) = (request.input, request.labels, request.configuration)
        return InferenceModel.Prepared(cost: CalibrationEndpoint.cost(input, configuration)) {
            let m = Calibration.compute(input, labels: labels, configuration: configuration)
            return InferenceModel.Result(outputs: outputs(m))
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
}
