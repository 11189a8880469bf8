import SoftLabelKernels
import SoftLabelTestSupport

/// Turns a fixture's request dictionary (decoded by Foundation, independently of SoftLabelWire)
/// into kernel inputs, so that the kernels are checked on their own.
enum KernelFixtureRequest {
    static func matrix(_ v: Any?) -> Matrix {
        let rows = JSONAny.rows(v)
        return Matrix(rows: rows.count, columns: rows.first?.count ?? 0, values: rows.flatMap { $0 })
    }

    static func smoothing(_ r: [String: Any]) -> LabelSmoothing {
        let kind = SmoothingKind(rawValue: r["smoothing"] as? String ?? "uniform")!
        return LabelSmoothing(
            epsilon: Float(JSONAny.double(r["label_smoothing"]) ?? 0), kind: kind,
            prior: r["prior"].map { JSONAny.floats($0) }, similarity: r["similarity"].map { matrix($0) })
    }

    static func source(_ r: [String: Any], defaultIgnoreIndex: Int?) -> TargetSource {
        if let labels = r["labels"] {
            let ignore = (r["ignore_index"]).map { JSONAny.ints([$0])[0] } ?? defaultIgnoreIndex
            return .labels(JSONAny.ints(labels), ignoreIndex: ignore)
        }
        return .probabilities(matrix(r["targets"]))
    }

    static func lossConfiguration(_ r: [String: Any]) -> LossConfiguration {
        let function: LossFunction
        switch r["loss"] as? String ?? "cross_entropy" {
        case "focal": function = .focal(gamma: Float(JSONAny.double(r["gamma"]) ?? 2))
        case "distillation":
            function = .distillation(teacherLogits: matrix(r["teacher_logits"]),
                                     temperature: Float(JSONAny.double(r["temperature"]) ?? 1),
                                     alpha: Float(JSONAny.double(r["alpha"]) ?? 0.5))
        case "binary_cross_entropy": function = .binaryCrossEntropy
        default: function = .crossEntropy
        }
        var outputs: LossOutputs = []
        for name in JSONAny.strings(r["return"]) {
            switch name {
            case "per_sample": outputs.insert(.perSample)
            case "gradient": outputs.insert(.gradient)
            case "targets": outputs.insert(.targets)
            case "probabilities": outputs.insert(.probabilities)
            default: fatalError("unknown return \(name)")
            }
        }
        return LossConfiguration(
            function: function, smoothing: smoothing(r), weight: r["weight"].map { JSONAny.floats($0) },
            reduction: Reduction(rawValue: r["reduction"] as? String ?? "mean")!,
            confidencePenalty: Float(JSONAny.double(r["confidence_penalty"]) ?? 0), outputs: outputs)
    }

    /// A kernel result in the API's JSON shape, for `Tolerance.mismatch`.
    static func json(_ m: Matrix) -> [[Double]] {
        (0..<m.rows).map { b in m.row(b).map(Double.init) }
    }
}
