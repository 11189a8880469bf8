import SoftLabelKernels

/// Model `temperature`: `POST /v1/temperature` as an inference: the T that minimises the mean
/// NLL of softmax(logits/T), with NLL and ECE before and after; with the parameter `method`
/// "vector" or "matrix" (and `odir`, the v1 object, for matrix) vector or matrix scaling, whose
/// outputs are `objective`, `weights` ([K] or [K, K]), `bias`, NLL, ECE and accuracy before and
/// after, `iterations`, `converged` (the temperature outputs are not produced then, nor these
/// for temperature scaling: asking for one is 422).
enum TemperatureModel {
    static let model = InferenceModel(
        name: "temperature",
        summary: "Temperature scaling: T minimising the mean NLL of softmax(logits/T), solved exactly, as POST /v1/temperature; parameter bins for the ECE; parameter method \"vector\" or \"matrix\" (with odir {\"lambda\", \"mu\"}) for vector or matrix scaling.",
        inputs: [
            TensorSpec("logits", [.fp32], "[B, K]", optional: false, "B rows of K logits."),
            TensorSpec("labels", [.int64, .int32], "[B]", optional: false, "Class indices in [0, K); INT64 or INT32."),
        ],
        outputs: [
            TensorSpec("temperature", [.fp64], "[1]", "The fitted temperature T."),
            TensorSpec("nll_before", [.fp64], "[1]", "Mean NLL at T = 1."),
            TensorSpec("nll_after", [.fp64], "[1]", "Mean NLL at T."),
            TensorSpec("ece_before", [.fp64], "[1]", "ECE at T = 1."),
            TensorSpec("ece_after", [.fp64], "[1]", "ECE at T."),
            TensorSpec("iterations", [.int64], "[1]", "Solver iterations."),
            TensorSpec("converged", [.bool], "[1]", "False when T hit a bound of the search (vector/matrix: when the gradient tolerance was not met)."),
            TensorSpec("objective", [.fp64], "[1]", "Vector/matrix scaling: the minimum of the mean NLL plus the ODIR terms."),
            TensorSpec("weights", [.fp64], "[K, K]", "Matrix scaling: W [K, K] (row i gives class i's score); vector scaling: a, shape [K]."),
            TensorSpec("bias", [.fp64], "[K]", "Vector/matrix scaling: b, with sum 0."),
            TensorSpec("accuracy_before", [.fp64], "[1]", "Vector/matrix scaling: top-1 accuracy of the logits."),
            TensorSpec("accuracy_after", [.fp64], "[1]", "Vector/matrix scaling: top-1 accuracy of the scaled logits."),
        ],
        parameters: ["bins", "method", "odir"],
        run: run)

    static func run(_ inputs: ModelInputs, _ p: InferenceParameters, _ requested: Set<String>?, _ decoding: RequestDecoding) throws -> InferenceModel.Prepared {
        guard let logits = try inputs.matrix("logits") else { throw inputs.missing("logits", "a [B, K] FP32 tensor of logits") }
        guard let labels = try inputs.integers("labels") else { throw inputs.missing("labels", "[B] class indices, one per row") }
        let bins = CalibrationConfiguration(bins: try p.int("bins")).bins
        let method = try p.choice("method", ScalingMethod.allCases.map { ($0.rawValue, $0) }, decoding) ?? .temperature
        let odir = try p.value("odir") { reader, _ in try TemperatureEndpoint.readODIR(&reader) }
        try TemperatureEndpoint.validate(logits: logits, labels: labels, bins: bins, method: method, odir: odir, decoding)
        guard method == .temperature else {
            return InferenceModel.Prepared(cost: TemperatureEndpoint.cost(logits, method)) {
                let fit = LinearScaling.fit(logits: logits, labels: labels, method: method, odir: odir, bins: bins)
                let k = logits.columns
                return InferenceModel.Result(outputs: [
                    .scalar("objective", fit.objective),
                    OutputTensor(name: "weights", shape: method == .matrix ? [k, k] : [k], data: .fp64(fit.weights)),
                    OutputTensor(name: "bias", shape: [k], data: .fp64(fit.bias)),
                    .scalar("nll_before", fit.nllBefore), .scalar("nll_after", fit.nllAfter),
                    .scalar("ece_before", fit.eceBefore), .scalar("ece_after", fit.eceAfter),
                    .scalar("accuracy_before", fit.accuracyBefore), .scalar("accuracy_after", fit.accuracyAfter),
                    .scalar("iterations", fit.iterations), OutputTensor(name: "converged", shape: [1], data: .bool([fit.converged])),
                ])
            }
        }
        return InferenceModel.Prepared(cost: TemperatureEndpoint.cost(logits)) {
        let fit = TemperatureScaling.fit(logits: logits, labels: labels, bins: bins)
        return InferenceModel.Result(outputs: [
            .scalar("temperature", fit.temperature), .scalar("nll_before", fit.nllBefore), .scalar("nll_after", fit.nllAfter),
            .scalar("ece_before", fit.eceBefore), .scalar("ece_after", fit.eceAfter), .scalar("iterations", fit.iterations),
            OutputTensor(name: "converged", shape: [1], data: .bool([fit.converged])),
        ])
        }
    }
}
