import SoftLabelKernels
import SoftLabelWire

/// The loss names of the API, with their options' defaults (PyTorch/Keras conventions).
enum LossKind: String, CaseIterable, Sendable {
    case crossEntropy = "cross_entropy"
    case focal
    case distillation
    case binaryCrossEntropy = "binary_cross_entropy"

    /// Focal γ (Lin et al. 2017: 2), distillation T and α (Hinton et al. 2015: 1 and 0.5).
    static let defaultGamma: Float = 2
    static let defaultTemperature: Float = 1
    static let defaultAlpha: Float = 0.5
    /// PyTorch's default `ignore_index`.
    static let defaultIgnoreIndex = -100

    static var choices: [(String, LossKind)] { allCases.map { ($0.rawValue, $0) } }
}

/// The fields of a loss request however they arrived (v1 JSON fields, or Open Inference input
/// tensors and parameters), and the one builder that validates them into a `LossRequest`.
struct LossFields {
    var logits: Matrix?
    var labels: [Int]?
    var targets: Matrix?
    var teacherLogits: Matrix?
    var weight: [Float]?
    var loss: LossKind = .crossEntropy
    var reduction: Reduction = .mean
    var ignoreIndex: Int = LossKind.defaultIgnoreIndex
    var gamma: Float?
    var temperature: Float?
    var alpha: Float?
    var confidencePenalty: Float = 0
    var outputs: LossOutputs = []
    var smoothing = SmoothingFields()

    /// The validated request. `missing(field, why)` words the error for a missing input in the
    /// caller's vocabulary (a JSON field, or an input tensor).
    func build(_ decoding: RequestDecoding, missing: (String, String) -> ServiceError) throws -> LossRequest {
        guard let logits else { throw missing("logits", "a B×K matrix of logits, e.g. [[2.0, 0.5, -1.0]]") }
        let source: TargetSource
        switch (labels, targets) {
        case (let labels?, nil): source = .labels(labels, ignoreIndex: ignoreIndex)
        case (nil, let targets?): source = .probabilities(targets)
        case (nil, nil): throw missing("labels", "send labels (B class indices) or targets (B×K probabilities)")
        case (.some, .some):
            throw ServiceError(status: 422, code: "conflicting_fields", message: "send exactly one of labels or targets, not both", path: "targets")
        }
        try rejectUnused()
        let function: LossFunction
        switch loss {
        case .crossEntropy: function = .crossEntropy
        case .focal: function = .focal(gamma: gamma ?? LossKind.defaultGamma)
        case .distillation:
            guard let teacherLogits else { throw missing("teacher_logits", "distillation needs the teacher's B×K logits") }
            function = .distillation(teacherLogits: teacherLogits, temperature: temperature ?? LossKind.defaultTemperature,
                                     alpha: alpha ?? LossKind.defaultAlpha)
        case .binaryCrossEntropy: function = .binaryCrossEntropy
        }
        let rule = try smoothing.smoothing(numClasses: logits.columns, defaultEpsilon: 0)
        let configuration = LossConfiguration(function: function, smoothing: rule, weight: weight, reduction: reduction,
                                              confidencePenalty: confidencePenalty, outputs: outputs)
        try Loss.validate(logits: logits, source: source, configuration: configuration, sourcePath: labels != nil ? "labels" : "targets")
        let matrices = [LossOutputs.gradient, .targets, .probabilities].filter { outputs.contains($0) }.count
        try decoding.checkResponse(bytes: Int.cost(logits.rows, logits.columns.addingSaturating(1), matrices + 1, RequestDecoding.bytesPerFloat),
                                   path: "return", what: "the requested outputs (\(matrices) B×K matrices)")
        return LossRequest(logits: logits, source: source, configuration: configuration)
    }

    /// Options of another loss are an error, not silently ignored.
    private func rejectUnused() throws {
        let unused: [(String, Bool)] = [
            ("gamma", gamma != nil && loss != .focal),
            ("teacher_logits", teacherLogits != nil && loss != .distillation),
            ("temperature", temperature != nil && loss != .distillation),
            ("alpha", alpha != nil && loss != .distillation),
        ]
        if let (field, _) = unused.first(where: { $0.1 }) {
            throw ServiceError(status: 422, code: "conflicting_fields", message: "\(field) does not apply to loss \"\(loss.rawValue)\"", path: field)
        }
    }
}

/// A validated loss request, ready for the kernel.
struct LossRequest: Sendable {
    var logits: Matrix
    var source: TargetSource
    var configuration: LossConfiguration

    /// Element-operations: the logits once per output matrix, plus the forward pass.
    var cost: Int {
        let outputs = [LossOutputs.gradient, .targets, .probabilities].filter { configuration.outputs.contains($0) }.count
        let teacher = if case .distillation = configuration.function { 2 } else { 1 }
        return Int.cost(logits.rows, logits.columns, 1 + teacher + outputs)
    }

    func compute() -> LossResult {
        Loss.compute(logits: logits, source: source, configuration: configuration)
    }
}
