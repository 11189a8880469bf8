import SoftLabelKernels
import SoftLabelWire

/// Model `smooth`: `POST /v1/smooth` as an inference: index labels (with the `num_classes`
/// parameter) or soft targets in, smoothed targets out.
enum SmoothModel {
    static let model = InferenceModel(
        name: "smooth",
        summary: "Label-smoothed targets for index labels (parameter num_classes) or soft targets, as POST /v1/smooth; parameter label_smoothing is required.",
        inputs: [
            TensorSpec("labels", [.int64, .int32], "[B]", "Class indices in [0, K) (or ignore_index), with parameter num_classes; INT64 or INT32. Send labels or targets."),
            TensorSpec("targets", [.fp32], "[B, K]", "Soft targets: entries in [0, 1], rows summing to 1."),
            TensorSpec("prior", [.fp32], "[K]", "The prior π of smoothing \"prior\": K values ≥ 0 summing to 1."),
            TensorSpec("similarity", [.fp32], "[K, K]", "The class similarity S of smoothing \"similarity\": rows summing to 1."),
        ],
        outputs: [
            TensorSpec("targets", [.fp32], "[B, K]", "The smoothed targets (all zeros for a row with ignore_index)."),
            TensorSpec("num_classes", [.int64], "[1]", "K."),
            TensorSpec("label_smoothing", [.fp32], "[1]", "ε as used (float32)."),
        ],
        parameters: ["num_classes", "ignore_index"] + SmoothingFields.scalarNames,
        run: run)

    static func run(_ inputs: ModelInputs, _ p: InferenceParameters, _ requested: Set<String>?, _ decoding: RequestDecoding) throws -> InferenceModel.Prepared {
        let labels = try inputs.integers("labels")
        let targets = try inputs.matrix("targets")
        let numClasses = try p.int("num_classes")
        let ignoreIndex = try p.int("ignore_index")
        let vocabulary = try SmoothingFields.read(p, inputs, decoding)
        let request = try SmoothEndpoint.makeRequest(
            labels: labels, targets: targets, numClasses: numClasses, ignoreIndex: ignoreIndex, vocabulary: vocabulary,
            decoding: decoding,
            missingSource: inputs.missing("labels", "send \"labels\" ([B] class indices, with parameter num_classes) or \"targets\" ([B, K])"))
        return InferenceModel.Prepared(cost: request.cost) {
            let q = request.compute()
            return InferenceModel.Result(
                outputs: [.matrix("targets", q), .scalar("num_classes", request.numClasses), .scalar("label_smoothing", request.smoothing.epsilon)],
                parameters: [("smoothing", .string(request.smoothing.kind.rawValue))])
        }
    }
}
