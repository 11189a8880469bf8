import SoftLabelKernels
import SoftLabelWire

/// The mergeable representation `state` as JSON: every field of `RepresentationState` under its
/// snake_case name. Sums are float64 written as shortest round-trip text and counts as integers,
/// so a state read back is bit-identical to the one written (as `CalibrationStateJSON`).
enum RepresentationStateJSON {
    static let fields = ["version", "num_classes", "dimension", "class_count", "feature_sum", "unit_sum", "norm_sum", "squared_norm_sum"]

    static func write(_ s: RepresentationState, into w: inout JSONWriter) {
        w.beginObject()
        w.key("version"); w.writeInt(s.version)
        w.key("num_classes"); w.writeInt(s.numClasses)
        w.key("dimension"); w.writeInt(s.dimension)
        w.key("class_count"); StateArrays.writeInts(s.classCount, &w)
        w.key("feature_sum"); StateArrays.writeDoubles(s.featureSum, &w)
        w.key("unit_sum"); StateArrays.writeDoubles(s.unitSum, &w)
        w.key("norm_sum"); StateArrays.writeDoubles(s.normSum, &w)
        w.key("squared_norm_sum"); StateArrays.writeDoubles(s.squaredNormSum, &w)
        w.endObject()
    }

    /// Reads a state written by `write`; every field is required, unknown ones are rejected, and
    /// `RepresentationState.validate` checks sizes and consistency.
    static func read(_ r: inout JSONReader, path: String) throws -> RepresentationState {
        var s = RepresentationState(version: 0, numClasses: 0, dimension: 0, classCount: [], featureSum: [], unitSum: [], normSum: [], squaredNormSum: [])
        var seen = Set<String>()
        try r.beginObject(path: path)
        while let key = try r.nextKey() {
            let p = "\(path).\(key)"
            switch key {
            case "version": s.version = try r.readInt(path: p)
            case "num_classes": s.numClasses = try r.readInt(path: p)
            case "dimension": s.dimension = try r.readInt(path: p)
            case "class_count": s.classCount = try StateArrays.readCounts(&r, p)
            case "feature_sum": s.featureSum = try StateArrays.readDoubles(&r, p)
            case "unit_sum": s.unitSum = try StateArrays.readDoubles(&r, p)
            case "norm_sum": s.normSum = try StateArrays.readDoubles(&r, p)
            case "squared_norm_sum": s.squaredNormSum = try StateArrays.readDoubles(&r, p)
            default:
                throw ServiceError(status: 422, code: "unknown_field",
                                   message: "unknown state field \"\(key)\"; a state is the `state` object of a /v1/representation response", path: p)
            }
            seen.insert(key)
        }
        if let missing = fields.first(where: { !seen.contains($0) }) {
            throw ServiceError(status: 422, code: "missing_field",
                               message: "state field \"\(missing)\" is missing; send the `state` object of a /v1/representation response unchanged",
                               path: "\(path).\(missing)")
        }
        try s.validate(path: path)
        return s
    }
}
