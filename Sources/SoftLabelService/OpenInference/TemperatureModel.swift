import SoftLabelKernels

/// Model `temperature`: `POST /v1/temperature` as an inference: the T that minimises the mean
/// NLL of softmax(logits/T), with NLL and ECE before and after.
enum TemperatureModel {
    static let model = InferenceModel(
        name: "temperature",
        summary: "Temperature scaling: T minimising the mean NLL of softmax(logits/T), solved exactly, as POST /v1/temperature; parameter bins for the ECE.",
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
            TensorSpec("converged", [.bool], "[1]", "False when T hit a bound of the search."),
        ],
        parameters: ["bins"],
        run: run)

    static func run(_ inputs: ModelInputs, _ p: InferenceParameters, _ requested: Set<String>?, _ decoding: RequestDecoding) throws -> InferenceModel.Prepared {
        guard let logits = try inputs.matrix("logits") else { throw inputs.missing("logits", "a [B, K] FP32 tensor of logits") }
        guard let labels = try inputs.integers("labels") else { throw inputs.missing("labels", "[B] class indices, one per row") }
        let configuration = CalibrationConfiguration(bins: try p.int("bins"))
        try Calibration.validate(.logits(logits), labels: labels, configuration: configuration)
        return InferenceModel.Prepared(cost: TemperatureEndpoint.cost(logits)) {
        let fit = TemperatureScaling.fit(logits: logits, labels: labels, bins: configuration.bins)
        return InferenceModel.Result(outputs: [
            .scalar("temperature", fit.temperature), .scalar("nll_before", fit.nllBefore), .scalar("nll_after", fit.nllAfter),
            .scalar("ece_before", fit.eceBefore), .scalar("ece_after", fit.eceAfter), .scalar("iterations", fit.iterations),
            OutputTensor(name: "converged", shape: [1], data: .bool([fit.converged])),
        ])
        }
    }
}
