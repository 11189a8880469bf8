import SoftLabelKernels
import SoftLabelWire

/// `POST /v1/loss`: smoothed losses, per-sample values and gradients (docs/api.md).
enum LossEndpoint {
    static let fields = ["logits", "labels", "targets", "loss", "weight", "ignore_index", "reduction", "gamma",
                         "teacher_logits", "temperature", "alpha", "confidence_penalty", "return"] + SmoothingFields.names
    static let example = #"{"logits": [[2.0, 0.5, -1.0]], "labels": [0], "label_smoothing": 0.1}"#

    /// The fields a caller that supplies the logits and labels decoded may not send again.
    static let rowNames = ["logits", "labels", "targets"]
    static let optionsExample = #"{"label_smoothing": 0.1}"#

    static func decode(_ body: [UInt8], _ decoding: RequestDecoding) throws -> LossRequest {
        try decode(body, decoding, rows: nil)
    }

    /// With `rows` nil the body is a whole request; otherwise the logits and labels are `rows`
    /// and the body is a JSON object of the other fields (`logits`, `labels` and `targets` in it
    /// are unknown fields). Either way the same reader and builder run.
    static func decode(_ body: [UInt8], _ decoding: RequestDecoding, rows: (logits: Matrix, labels: [Int])?) throws -> LossRequest {
        var f = LossFields()
        if let rows { (f.logits, f.labels) = (rows.logits, rows.labels) }
        let readsRows = rows == nil
        try decoding.decodeObject(body, allowed: readsRows ? fields : fields.filter { !rowNames.contains($0) },
                                  example: readsRows ? example : optionsExample) { key, reader in
            switch key {
            case "logits" where readsRows: f.logits = try decoding.matrix(&reader, key)
            case "labels" where readsRows: f.labels = try reader.readIntArray(path: key)
            case "targets" where readsRows: f.targets = try decoding.matrix(&reader, key)
            case "logits", "labels", "targets": return false
            case "teacher_logits": f.teacherLogits = try decoding.matrix(&reader, key)
            case "weight": f.weight = try reader.readFloatArray(path: key)
            case "loss": f.loss = try decoding.choice(&reader, key, LossKind.choices)
            case "reduction": f.reduction = try decoding.choice(&reader, key, Reduction.allCases.map { ($0.rawValue, $0) })
            case "ignore_index": f.ignoreIndex = try reader.readInt(path: key)
            case "gamma": f.gamma = try reader.readFloat(path: key)
            case "temperature": f.temperature = try reader.readFloat(path: key)
            case "alpha": f.alpha = try reader.readFloat(path: key)
            case "confidence_penalty": f.confidencePenalty = try reader.readFloat(path: key)
            case "return":
                try reader.beginArray(path: key)
                var i = 0
                while try reader.nextElement() {
                    f.outputs.insert(try decoding.choice(&reader, "return[\(i)]", LossOutputs.named))
                    i += 1
                }
            default: return try f.smoothing.read(key, &reader, decoding)
            }
            return true
        }
        return try f.build(decoding, missing: ServiceError.missingField)
    }

    static func prepare(_ body: [UInt8], _ decoding: RequestDecoding) throws -> Prepared {
        let request = try decode(body, decoding)
        return .compute(cost: request.cost) { encode(request.compute(), reduction: request.configuration.reduction) }
    }

    static func encode(_ r: LossResult, reduction: Reduction) -> [UInt8] {
        let matrices = [r.gradient, r.targets, r.probabilities].reduce(0) { $0 + ($1?.count ?? 0) }
        var w = JSONWriter(capacity: (matrices + (r.perSample?.count ?? 0)) * 13 + 64)
        w.beginObject()
        if reduction != .none {
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

extension LossOutputs {
    /// The optional outputs by their API names (`return` in v1, output names in Open Inference).
    static let named: [(String, LossOutputs)] = [
        ("per_sample", .perSample), ("gradient", .gradient), ("targets", .targets), ("probabilities", .probabilities),
    ]
}
