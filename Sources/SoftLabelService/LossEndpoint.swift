import SoftLabelKernels
import SoftLabelWire

/// `POST /v1/loss`: smoothed losses, per-sample values and gradients (docs/api.md).
struct LossEndpoint {
    static let fields = ["logits", "labels", "targets", "loss", "weight", "ignore_index", "reduction", "gamma",
                         "teacher_logits", "temperature", "alpha", "confidence_penalty", "return"] + SmoothingFields.names
    /// PyTorch's default `ignore_index`.
    static let defaultIgnoreIndex = -100

    struct Request {
        var logits: Matrix
        var source: TargetSource
        var configuration: LossConfiguration
    }

    static func decode(_ body: UnsafeRawBufferPointer, _ decoding: RequestDecoding) throws -> Request {
        var logits: Matrix?, labels: [Int]?, targets: Matrix?, teacher: Matrix?, weight: [Float]?
        var lossName = "cross_entropy", reduction = Reduction.mean, ignoreIndex = defaultIgnoreIndex
        var gamma: Float?, temperature: Float?, alpha: Float?, penalty: Float = 0
        var outputs: LossOutputs = []
        var vocabulary = SmoothingFields()
        try decoding.decodeObject(body, allowed: fields) { key, reader in
            switch key {
            case "logits": logits = try decoding.matrix(&reader, key)
            case "labels": labels = try reader.readIntArray(path: key)
            case "targets": targets = try decoding.matrix(&reader, key)
            case "teacher_logits": teacher = try decoding.matrix(&reader, key)
            case "weight": weight = try reader.readFloatArray(path: key)
            case "loss":
                lossName = try decoding.choice(&reader, key, ["cross_entropy", "focal", "distillation", "binary_cross_entropy"].map { ($0, $0) })
            case "reduction": reduction = try decoding.choice(&reader, key, Reduction.allCases.map { ($0.rawValue, $0) })
            case "ignore_index": ignoreIndex = try reader.readInt(path: key)
            case "gamma": gamma = try reader.readFloat(path: key)
            case "temperature": temperature = try reader.readFloat(path: key)
            case "alpha": alpha = try reader.readFloat(path: key)
            case "confidence_penalty": penalty = try reader.readFloat(path: key)
            case "return":
                try reader.beginArray(path: key)
                var i = 0
                while try reader.nextElement() {
                    outputs.insert(try decoding.choice(&reader, "return[\(i)]", [
                        ("per_sample", .perSample), ("gradient", .gradient), ("targets", .targets), ("probabilities", .probabilities),
                    ]))
                    i += 1
                }
            default: return try vocabulary.read(key, &reader, decoding)
            }
            return true
        }
        guard let logits else { throw ServiceError.missingField("logits", "a B×K matrix of logits, e.g. [[2.0, 0.5, -1.0]]") }
        let source: TargetSource
        switch (labels, targets) {
        case (let labels?, nil): source = .labels(labels, ignoreIndex: ignoreIndex)
        case (nil, let targets?): source = .probabilities(targets)
        case (nil, nil): throw ServiceError.missingField("labels", "send `labels` (B class indices) or `targets` (B×K probabilities)")
        case (.some, .some):
            throw ServiceError(status: 422, code: "conflicting_fields", message: "send exactly one of `labels` or `targets`, not both", path: "targets")
        }
        let function: LossFunction
        switch lossName {
        case "focal": function = .focal(gamma: gamma ?? 2)
        case "distillation":
            guard let teacher else { throw ServiceError.missingField("teacher_logits", "distillation needs the teacher's B×K logits") }
            function = .distillation(teacherLogits: teacher, temperature: temperature ?? 1, alpha: alpha ?? 0.5)
        case "binary_cross_entropy": function = .binaryCrossEntropy
        default: function = .crossEntropy
        }
        try rejectUnused(lossName, gamma: gamma, teacher: teacher, temperature: temperature, alpha: alpha)
        let smoothing = try vocabulary.smoothing(numClasses: logits.columns, defaultEpsilon: 0)
        let configuration = LossConfiguration(function: function, smoothing: smoothing, weight: weight, reduction: reduction,
                                              confidencePenalty: penalty, outputs: outputs)
        try Loss.validate(logits: logits, source: source, configuration: configuration, sourcePath: labels != nil ? "labels" : "targets")
        return Request(logits: logits, source: source, configuration: configuration)
    }

    /// Options of another loss are an error, not silently ignored.
    static func rejectUnused(_ loss: String, gamma: Float?, teacher: Matrix?, temperature: Float?, alpha: Float?) throws {
        let unused: [(String, Bool)] = [
            ("gamma", gamma != nil && loss != "focal"),
            ("teacher_logits", teacher != nil && loss != "distillation"),
            ("temperature", temperature != nil && loss != "distillation"),
            ("alpha", alpha != nil && loss != "distillation"),
        ]
        if let (field, _) = unused.first(where: { $0.1 }) {
            throw ServiceError(status: 422, code: "conflicting_fields", message: "\(field) does not apply to loss \"\(loss)\"", path: field)
        }
    }

    static func handle(_ body: UnsafeRawBufferPointer, _ decoding: RequestDecoding) throws -> [UInt8] {
        let request = try decode(body, decoding)
        let r = Loss.compute(logits: request.logits, source: request.source, configuration: request.configuration)
        let matrices = [r.gradient, r.targets, r.probabilities].reduce(0) { $0 + ($1?.count ?? 0) }
        var w = JSONWriter(capacity: (matrices + (r.perSample?.count ?? 0)) * 13 + 64)
        w.beginObject()
        if request.configuration.reduction != .none {
            w.key("loss")
            if let loss = r.loss { w.writeFloat(Float(loss)) } else { w.writeNull() }
        }
        w.key("count")
        w.writeInt(r.count)
        if let perSample = r.perSample {
            w.key("per_sample")
            w.writeFloatArray(perSample)
        }
        for (name, matrix) in [("gradient", r.gradient), ("targets", r.targets), ("probabilities", r.probabilities)] {
            if let matrix {
                w.key(name)
                w.writeFloatMatrix(matrix)
            }
        }
        w.endObject()
        return w.bytes
    }
}
