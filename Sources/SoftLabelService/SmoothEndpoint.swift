import SoftLabelKernels
import SoftLabelWire

/// `POST /v1/smooth`: smoothed targets for index labels or soft targets (docs/api.md).
enum SmoothEndpoint {
    static let fields = ["labels", "num_classes", "targets", "ignore_index"] + SmoothingFields.names
    static let example = #"{"labels": [0, 2], "num_classes": 3, "label_smoothing": 0.1}"#

    struct Request: Sendable {
        var source: TargetSource
        var numClasses: Int
        var smoothing: LabelSmoothing

        /// The B×K targets written.
        var cost: Int { Int.cost(source.rowCount, numClasses) }

        func compute() -> Matrix { SmoothTargets.compute(source, numClasses: numClasses, smoothing: smoothing) }
    }

    static func decode(_ body: [UInt8], _ decoding: RequestDecoding) throws -> Request {
        var labels: [Int]?
        var numClasses: Int?
        var targets: Matrix?
        var ignoreIndex: Int?
        var vocabulary = SmoothingFields()
        try decoding.decodeObject(body, allowed: fields, example: example) { key, reader in
            switch key {
            case "labels": labels = try reader.readIntArray(path: key)
            case "num_classes": numClasses = try reader.readInt(path: key)
            case "targets": targets = try decoding.matrix(&reader, key)
            case "ignore_index": ignoreIndex = try reader.readInt(path: key)
            default: return try vocabulary.read(key, &reader, decoding)
            }
            return true
        }
        return try makeRequest(labels: labels, targets: targets, numClasses: numClasses, ignoreIndex: ignoreIndex,
                               vocabulary: vocabulary, decoding: decoding,
                               missingSource: ServiceError.missingField("labels", "send `labels` (with `num_classes`) or `targets`"))
    }

    /// The validated request from its decoded fields (shared with the Open Inference `smooth`
    /// model, which reads the same fields from tensors and parameters).
    static func makeRequest(labels: [Int]?, targets: Matrix?, numClasses: Int?, ignoreIndex: Int?, vocabulary: SmoothingFields,
                            decoding: RequestDecoding, missingSource: ServiceError) throws -> Request {
        let source: TargetSource
        let k: Int
        switch (labels, targets) {
        case (let labels?, nil):
            guard let numClasses else { throw ServiceError.missingField("num_classes", "index labels need the number of classes K") }
            guard numClasses >= 1 else { throw ServiceError.invalidValue("num_classes", "num_classes must be ≥ 1, got \(numClasses)") }
            try decoding.checkLimits(rows: labels.count, columns: numClasses, path: "num_classes")
            guard !labels.isEmpty else { throw ServiceError.invalidValue("labels", "labels must hold at least one label") }
            source = .labels(labels, ignoreIndex: ignoreIndex)
            k = numClasses
        case (nil, let targets?):
            if let numClasses, numClasses != targets.columns {
                throw ServiceError(status: 422, code: "shape_mismatch", message: "num_classes is \(numClasses) but targets has \(targets.columns) columns", path: "num_classes")
            }
            if ignoreIndex != nil {
                throw ServiceError(status: 422, code: "conflicting_fields", message: "ignore_index applies to index labels, not to soft targets", path: "ignore_index")
            }
            source = .probabilities(targets)
            k = targets.columns
        case (nil, nil):
            throw missingSource
        case (.some, .some):
            throw ServiceError(status: 422, code: "conflicting_fields", message: "send exactly one of `labels` or `targets`, not both", path: "targets")
        }
        try decoding.checkResponse(bytes: Int.cost(source.rowCount, k, RequestDecoding.bytesPerFloat),
                                   path: labels != nil ? "num_classes" : "targets", what: "the B×K smoothed targets")
        let smoothing = try vocabulary.smoothing(numClasses: k, defaultEpsilon: nil)
        try source.validate(numClasses: k, path: labels != nil ? "labels" : "targets")
        return Request(source: source, numClasses: k, smoothing: smoothing)
    }

    static func prepare(_ body: [UInt8], _ decoding: RequestDecoding) throws -> Prepared {
        let request = try decode(body, decoding)
        return .compute(cost: request.cost) {
            let q = request.compute()
            var w = JSONWriter(capacity: q.count * 12 + 128)
            w.beginObject()
            w.key("targets")
            w.writeFloatMatrix(q)
            w.key("num_classes")
            w.writeInt(request.numClasses)
            w.key("label_smoothing")
            w.writeFloat(request.smoothing.epsilon)
            w.key("smoothing")
            w.writeString(request.smoothing.kind.rawValue)
            w.endObject()
            return w.bytes
        }
    }
}
