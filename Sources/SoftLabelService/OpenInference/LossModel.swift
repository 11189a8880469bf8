import SoftLabelKernels
import SoftLabelWire

/// Model `loss`: `POST /v1/loss` as an inference. The v1 matrices and vectors are input tensors,
/// its scalar fields are request parameters, and `return` is replaced by the requested outputs:
/// asking for `gradient` (or `per_sample`, `targets`, `probabilities`) computes it.
enum LossModel {
    static let model = InferenceModel(
        name: "loss",
        summary: "Smoothed losses (cross_entropy, focal, distillation, binary_cross_entropy), per-sample values and ∂loss/∂logits, as POST /v1/loss; scalar options in the request parameters.",
        inputs: [
            TensorSpec("logits", [.fp32], "[B, K]", optional: false, "B rows of K logits."),
            TensorSpec("labels", [.int64, .int32], "[B]", "Class indices in [0, K) (or ignore_index); INT64 or INT32. Send labels or targets."),
            TensorSpec("targets", [.fp32], "[B, K]", "Soft targets, rows summing to 1 (binary_cross_entropy: each entry in [0, 1])."),
            TensorSpec("teacher_logits", [.fp32], "[B, K]", "The teacher's logits (loss distillation)."),
            TensorSpec("weight", [.fp32], "[K]", "Class weights, PyTorch's weight."),
            TensorSpec("prior", [.fp32], "[K]", "The prior π of smoothing \"prior\": K values ≥ 0 summing to 1."),
            TensorSpec("similarity", [.fp32], "[K, K]", "The class similarity S of smoothing \"similarity\": rows summing to 1."),
        ],
        outputs: [
            TensorSpec("loss", [.fp32], "[1]", "The reduced loss (NaN, null in JSON, for a mean over a batch whose every row is ignored); not with reduction \"none\"."),
            TensorSpec("count", [.int64], "[1]", "Rows that count (not ignored)."),
            TensorSpec("per_sample", [.fp32], "[B]", "Each row's loss (always returned with reduction \"none\")."),
            TensorSpec("gradient", [.fp32], "[B, K]", "∂loss/∂logits of the returned (reduced) loss."),
            TensorSpec("targets", [.fp32], "[B, K]", "The smoothed targets the loss was computed against."),
            TensorSpec("probabilities", [.fp32], "[B, K]", "softmax(logits) (sigmoid for binary_cross_entropy)."),
        ],
        parameters: ["loss", "reduction", "ignore_index", "gamma", "temperature", "alpha", "confidence_penalty"] + SmoothingFields.scalarNames,
        run: run)

    static let lossNames = ["cross_entropy", "focal", "distillation", "binary_cross_entropy"]

    static func run(_ inputs: ModelInputs, _ p: InferenceParameters, _ requested: Set<String>?, _ decoding: RequestDecoding) throws -> InferenceModel.Result {
        guard let logits = try inputs.matrix("logits") else { throw inputs.missing("logits", "a [B, K] FP32 tensor of logits") }
        let labels = try inputs.integers("labels")
        let targets = try inputs.matrix("targets")
        let teacher = try inputs.matrix("teacher_logits")
        let weight = try inputs.floats("weight")
        let vocabulary = try SmoothingFields.read(p, inputs, decoding)
        let lossName = try p.choice("loss", lossNames.map { ($0, $0) }, decoding) ?? "cross_entropy"
        let reduction = try p.choice("reduction", Reduction.allCases.map { ($0.rawValue, $0) }, decoding) ?? .mean
        let ignoreIndex = try p.int("ignore_index") ?? LossEndpoint.defaultIgnoreIndex
        let gamma = try p.float("gamma"), temperature = try p.float("temperature"), alpha = try p.float("alpha")
        let penalty = try p.float("confidence_penalty") ?? 0

        let source: TargetSource
        switch (labels, targets) {
        case (let labels?, nil): source = .labels(labels, ignoreIndex: ignoreIndex)
        case (nil, let targets?): source = .probabilities(targets)
        case (nil, nil): throw inputs.missing("labels", "send \"labels\" ([B] class indices) or \"targets\" ([B, K] probabilities)")
        case (.some, .some):
            throw ServiceError(status: 422, code: "conflicting_fields", message: "send exactly one of the inputs \"labels\" or \"targets\", not both", path: "targets")
        }
        let function: LossFunction
        switch lossName {
        case "focal": function = .focal(gamma: gamma ?? 2)
        case "distillation":
            guard let teacher else { throw inputs.missing("teacher_logits", "distillation needs the teacher's [B, K] logits") }
            function = .distillation(teacherLogits: teacher, temperature: temperature ?? 1, alpha: alpha ?? 0.5)
        case "binary_cross_entropy": function = .binaryCrossEntropy
        default: function = .crossEntropy
        }
        try LossEndpoint.rejectUnused(lossName, gamma: gamma, teacher: teacher, temperature: temperature, alpha: alpha)
        if reduction == .none, requested?.contains("loss") == true {
            throw ServiceError(status: 422, code: "invalid_value",
                               message: "output \"loss\" is not produced with reduction \"none\"; request \"per_sample\" instead", path: "outputs")
        }
        var outputs: LossOutputs = []
        let optional: [(String, LossOutputs)] = [("per_sample", .perSample), ("gradient", .gradient), ("targets", .targets), ("probabilities", .probabilities)]
        for (name, output) in optional where requested?.contains(name) == true { outputs.insert(output) }
        let smoothing = try vocabulary.smoothing(numClasses: logits.columns, defaultEpsilon: 0)
        let configuration = LossConfiguration(function: function, smoothing: smoothing, weight: weight, reduction: reduction,
                                              confidencePenalty: penalty, outputs: outputs)
        try Loss.validate(logits: logits, source: source, configuration: configuration, sourcePath: labels != nil ? "labels" : "targets")

        let r = Loss.compute(logits: logits, source: source, configuration: configuration)
        var result: [OutputTensor] = []
        if reduction != .none { result.append(.scalar("loss", r.loss.map { Float($0) })) }
        result.append(.scalar("count", r.count))
        if let perSample = r.perSample { result.append(OutputTensor(name: "per_sample", shape: [perSample.count], data: .fp32(perSample))) }
        for (name, matrix) in [("gradient", r.gradient), ("targets", r.targets), ("probabilities", r.probabilities)] {
            if let matrix { result.append(.matrix(name, matrix)) }
        }
        return InferenceModel.Result(outputs: result)
    }
}

extension SmoothingFields {
    /// The vocabulary's scalars, which travel as request parameters (`prior` and `similarity` are
    /// input tensors).
    static let scalarNames = ["label_smoothing", "smoothing"]

    /// The smoothing vocabulary of an inference request: ε and the kind from the parameters, the
    /// prior and the similarity matrix from the inputs.
    static func read(_ p: InferenceParameters, _ inputs: ModelInputs, _ decoding: RequestDecoding) throws -> SmoothingFields {
        var fields = SmoothingFields()
        fields.epsilon = try p.float("label_smoothing")
        fields.kind = try p.choice("smoothing", SmoothingKind.allCases.map { ($0.rawValue, $0) }, decoding) ?? .uniform
        fields.prior = try inputs.floats("prior")
        fields.similarity = try inputs.matrix("similarity")
        return fields
    }
}
