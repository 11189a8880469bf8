/// `/v1/loss`: every loss of `LossFunction` with label smoothing, class weights, ignored rows,
/// reductions, confidence penalty, and ∂loss/∂logits.
///
/// Reduction semantics are PyTorch `F.cross_entropy`'s, extended term by term:
/// - the cross-entropy (or focal) term of `mean` divides by Σ_i w[y_i] over non-ignored rows
///   for index labels (n_valid without weights) and by N for probability targets;
/// - the distillation KL term of `mean` divides by B (`kl_div(reduction: "batchmean")`), and
///   covers every row, labelled or not (a row with the ignore index is distilled from the
///   teacher only); with no labelled row the CE term is 0;
/// - the confidence penalty −β·H of `mean` divides by the number of non-ignored rows;
/// - binary cross-entropy: a row is the mean over its K labels; `mean` divides by the number
///   of non-ignored rows (= the mean over all elements, PyTorch's `mean`).
/// `mean` over a batch whose every row is ignored gives `loss = nil` (PyTorch: NaN) and a zero
/// gradient; `sum` gives 0.
public enum Loss {
    /// Checks every input against the contract; throws the first problem with its JSON path.
    /// Last, `LossDomain` checks that nothing the kernels compute can leave float32.
    public static func validate(logits: Matrix, source: TargetSource, configuration c: LossConfiguration,
                                sourcePath: String) throws(ValidationError) {
        let k = logits.columns
        guard logits.rows >= 1, k >= 1 else {
            throw ValidationError(.shapeMismatch, "logits must have at least one row and one class", path: "logits")
        }
        try validateFinite(logits, path: "logits")
        guard source.rowCount == logits.rows else {
            throw ValidationError(.shapeMismatch, "\(sourcePath) has \(source.rowCount) rows, expected \(logits.rows) (one per row of logits)", path: sourcePath)
        }
        let binary = c.function == .binaryCrossEntropy
        try source.validate(numClasses: k, path: sourcePath, requireDistributions: !binary)
        try c.smoothing.validate(numClasses: k)
        if let weight = c.weight { try validateClassVector(weight, numClasses: k, path: "weight") }
        guard c.confidencePenalty.isFinite, c.confidencePenalty >= 0 else {
            throw ValidationError(.invalidValue, "confidence_penalty must be a finite number ≥ 0, got \(c.confidencePenalty)", path: "confidence_penalty")
        }
        switch c.function {
        case .crossEntropy:
            break
        case .focal(let gamma):
            guard gamma.isFinite, gamma >= 0 else {
                throw ValidationError(.invalidValue, "gamma must be a finite number ≥ 0, got \(gamma)", path: "gamma")
            }
        case .distillation(let teacher, let temperature, let alpha):
            guard teacher.rows == logits.rows, teacher.columns == k else {
                throw ValidationError(.shapeMismatch, "teacher_logits is \(teacher.rows)×\(teacher.columns), expected \(logits.rows)×\(k) like logits", path: "teacher_logits")
            }
            try validateFinite(teacher, path: "teacher_logits")
            guard temperature.isFinite, temperature > 0 else {
                throw ValidationError(.invalidValue, "temperature must be a finite number > 0, got \(temperature)", path: "temperature")
            }
            guard alpha.isFinite, alpha >= 0, alpha <= 1 else {
                throw ValidationError(.invalidValue, "alpha must be in [0, 1], got \(alpha)", path: "alpha")
            }
        case .binaryCrossEntropy:
            guard c.smoothing.kind == .uniform else {
                throw ValidationError(.invalidValue, "binary_cross_entropy smooths each label towards 1/2 (Keras); only smoothing \"uniform\" applies", path: "smoothing")
            }
            guard c.confidencePenalty == 0 else {
                throw ValidationError(.conflictingFields, "confidence_penalty applies to softmax losses, not to binary_cross_entropy", path: "confidence_penalty")
            }
        }
        try LossDomain.validate(logits: logits, source: source, configuration: c)
    }

    /// Computes the loss. Inputs must have passed `validate`.
    public static func compute(logits: Matrix, source: TargetSource, configuration c: LossConfiguration) -> LossResult {
        let plan = LossPlan(logits: logits, source: source, configuration: c)
        return plan.run()
    }
}
