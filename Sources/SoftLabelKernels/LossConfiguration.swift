/// How per-sample losses are reduced over the batch (PyTorch `reduction`).
public enum Reduction: String, Sendable, CaseIterable {
    /// Per-sample losses; the gradient is each row's own derivative (= that of the sum).
    case none
    case sum
    /// Weighted mean: Σ_i ℓ_i / Σ_i w[y_i] over non-ignored rows for index labels, / N for
    /// probability targets (PyTorch `F.cross_entropy` semantics).
    case mean
}

/// The loss family (docs/api.md, `POST /v1/loss`).
public enum LossFunction: Sendable, Equatable {
    /// −Σ_k w_k q_k log p_k with p = softmax(logits), q the smoothed target.
    case crossEntropy
    /// −Σ_k w_k q_k (1−p_k)^γ log p_k (Lin et al. 2017, multi-class with soft q).
    case focal(gamma: Float)
    /// α·T²·KL(softmax(teacher/T) ‖ softmax(logits/T)) + (1−α)·CE(logits, q) (Hinton et al. 2015).
    case distillation(teacherLogits: Matrix, temperature: Float, alpha: Float)
    /// Multi-label sigmoid BCE: mean_k w_k·[−t log σ(x) − (1−t) log(1−σ(x))], t ← t(1−ε) + ε/2 (Keras).
    case binaryCrossEntropy

    public var name: String {
        switch self {
        case .crossEntropy: "cross_entropy"
        case .focal: "focal"
        case .distillation: "distillation"
        case .binaryCrossEntropy: "binary_cross_entropy"
        }
    }
}

/// Which optional outputs a loss computation fills in.
public struct LossOutputs: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let perSample = LossOutputs(rawValue: 1)
    public static let gradient = LossOutputs(rawValue: 2)
    public static let targets = LossOutputs(rawValue: 4)
    public static let probabilities = LossOutputs(rawValue: 8)
}

/// Everything about a loss except the batch itself.
public struct LossConfiguration: Sendable, Equatable {
    public var function: LossFunction
    public var smoothing: LabelSmoothing
    /// Per-class weights w (K entries ≥ 0), PyTorch `weight`.
    public var weight: [Float]?
    public var reduction: Reduction
    /// β of the confidence penalty −β·H(softmax(logits)) added per row (Pereyra et al. 2017).
    public var confidencePenalty: Float
    public var outputs: LossOutputs

    public init(function: LossFunction = .crossEntropy, smoothing: LabelSmoothing = .none, weight: [Float]? = nil,
                reduction: Reduction = .mean, confidencePenalty: Float = 0, outputs: LossOutputs = []) {
        self.function = function
        self.smoothing = smoothing
        self.weight = weight
        self.reduction = reduction
        self.confidencePenalty = confidencePenalty
        self.outputs = outputs
    }
}

/// The result of a loss computation. Values are float32 per element, the reduced loss is
/// accumulated and returned in Double.
public struct LossResult: Sendable, Equatable {
    /// The reduced loss; nil for reduction `none`, and for `mean` over a batch whose every row
    /// is ignored (PyTorch returns NaN there, JSON has none).
    public var loss: Double?
    /// Rows that count (not ignored).
    public var count: Int
    public var perSample: [Float]?
    /// ∂loss/∂logits of the reduced loss (of each row's own loss for `none`).
    public var gradient: Matrix?
    /// The smoothed targets the loss was computed against.
    public var targets: Matrix?
    /// softmax(logits) (sigmoid for binary cross-entropy).
    public var probabilities: Matrix?

    public init(loss: Double?, count: Int, perSample: [Float]? = nil, gradient: Matrix? = nil,
                targets: Matrix? = nil, probabilities: Matrix? = nil) {
        self.loss = loss
        self.count = count
        self.perSample = perSample
        self.gradient = gradient
        self.targets = targets
        self.probabilities = probabilities
    }
}
