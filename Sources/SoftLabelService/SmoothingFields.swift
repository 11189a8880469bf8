import SoftLabelKernels
import SoftLabelWire

/// The smoothing vocabulary shared by every endpoint that smooths (docs/api.md):
/// `label_smoothing`, `smoothing`, `prior`, `similarity`.
struct SmoothingFields {
    static let names = ["label_smoothing", "smoothing", "prior", "similarity"]

    var epsilon: Float?
    var kind: SmoothingKind = .uniform
    var prior: [Float]?
    var similarity: Matrix?

    /// Reads `key` if it is one of the vocabulary's; returns false otherwise.
    mutating func read(_ key: String, _ reader: inout JSONReader, _ decoding: RequestDecoding) throws -> Bool {
        switch key {
        case "label_smoothing": epsilon = try reader.readFloat(path: key)
        case "smoothing": kind = try decoding.choice(&reader, key, SmoothingKind.allCases.map { ($0.rawValue, $0) })
        case "prior": prior = try reader.readFloatArray(path: key)
        case "similarity": similarity = try decoding.matrix(&reader, key)
        default: return false
        }
        return true
    }

    /// The smoothing rule, validated against K; `defaultEpsilon` nil makes `label_smoothing` required.
    func smoothing(numClasses k: Int, defaultEpsilon: Float?) throws -> LabelSmoothing {
        guard let epsilon = epsilon ?? defaultEpsilon else {
            throw ServiceError.missingField("label_smoothing", "give ε in [0, 1], e.g. 0.1")
        }
        if kind != .prior, prior != nil {
            throw ServiceError(status: 422, code: "conflicting_fields", message: "prior is only used with \"smoothing\": \"prior\"", path: "prior")
        }
        if kind != .similarity, similarity != nil {
            throw ServiceError(status: 422, code: "conflicting_fields", message: "similarity is only used with \"smoothing\": \"similarity\"", path: "similarity")
        }
        let s = LabelSmoothing(epsilon: epsilon, kind: kind, prior: prior, similarity: similarity)
        try s.validate(numClasses: k)
        return s
    }
}
