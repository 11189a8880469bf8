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

    static func run(_ inputs: ModelInputs, _ p: InferenceParameters, _ requested: Set<String>?, _ decoding: RequestDecoding) throws -> InferenceModel.Prepared {
        var f = LossFields()
        f.logits = try inputs.matrix("logits")
        f.labels = try inputs.integers("labels")
        f.targets = try inputs.matrix("targets")
        f.teacherLogits = try inputs.matrix("teacher_logits")
        f.weight = try inputs.floats("weight")
        f.smoothing = try SmoothingFields.read(p, inputs, decoding)
        f.loss = try p.choice("loss", LossKind.choices, decoding) ?? .crossEntropy
        f.reduction = try p.choice("reduction", Reduction.allCases.map { ($0.rawValue, $0) }, decoding) ?? .mean
        f.ignoreIndex = try p.int("ignore_index") ?? LossKind.defaultIgnoreIndex
        f.gamma = try p.float("gamma")
        f.temperature = try p.float("temperature")
        f.alpha = try p.float("alpha")
        f.confidencePenalty = try p.float("confidence_penalty") ?? 0
        if f.reduction == .none, requested?.contains("loss") == true {
            throw ServiceError(status: 422, code: "invalid_value",
                               message: "output \"loss\" is not produced with reduction \"none\"; request \"per_sample\" instead", path: "outputs")
        }
        for (name, output) in LossOutputs.named where requested?.contains(name) == true { f.outputs.insert(output) }
        let request = try f.build(decoding, missing: inputs.missing)
        return InferenceModel.Prepared(cost: request.cost) {
            let r = request.compute()
            var result: [OutputTensor] = []
            if request.configuration.reduction != .none { result.append(.scalar("loss", r.loss.map { Float($0) })) }
            result.append(.scalar("count", r.count))
            if let perSample = r.perSample { result.append(OutputTensor(name: "per_sample", shape: [perSample.count], data: .fp32(perSample))) }
            for (name, matrix) in [("gradient", r.gradient), ("targets", r.targets), ("probabilities", r.probabilities)] {
                if let matrix { result.append(.matrix(name, matrix)) }
            }
            return InferenceModel.Result(outputs: result)
        }
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
