import SoftLabelKernels
import SoftLabelWire

/// The mergeable calibration `state` as JSON: every field of `CalibrationState` under its
/// snake_case name. Sums are float64 written as shortest round-trip text, so a state read back
/// is bit-identical to the one written, and merging is exact up to summation order.
enum CalibrationStateJSON {
    static let fields = ["version", "num_classes", "bins", "edge_rule", "binning", "temperature", "top_k", "count", "correct",
                         "top_k_correct", "confidence_sum", "nll_sum", "nll_infinite_count", "brier_sum", "entropy_sum",
                         "bin_count", "bin_correct", "bin_confidence_sum", "class_bin_count", "class_bin_positives",
                         "class_bin_probability_sum"]

    static func write(_ s: CalibrationState, into w: inout JSONWriter) {
        w.beginObject()
        w.key("version"); w.writeInt(s.version)
        w.key("num_classes"); w.writeInt(s.numClasses)
        w.key("bins"); w.writeInt(s.bins)
        w.key("edge_rule"); w.writeString(s.edgeRule.rawValue)
        w.key("binning"); w.writeString(s.binning.rawValue)
        w.key("temperature"); w.writeFloat(s.temperature)
        w.key("top_k"); StateArrays.writeInts(s.topK, &w)
        w.key("count"); w.writeInt(s.count)
        w.key("correct"); w.writeInt(s.correct)
        w.key("top_k_correct"); StateArrays.writeInts(s.topKCorrect, &w)
        w.key("confidence_sum"); w.writeDouble(s.confidenceSum)
        w.key("nll_sum"); w.writeDouble(s.nllSum)
        w.key("nll_infinite_count"); w.writeInt(s.nllInfiniteCount)
        w.key("brier_sum"); w.writeDouble(s.brierSum)
        w.key("entropy_sum"); w.writeDouble(s.entropySum)
        w.key("bin_count"); StateArrays.writeInts(s.binCount, &w)
        w.key("bin_correct"); StateArrays.writeInts(s.binCorrect, &w)
        w.key("bin_confidence_sum"); StateArrays.writeDoubles(s.binConfidenceSum, &w)
        w.key("class_bin_count"); StateArrays.writeInts(s.classBinCount, &w)
        w.key("class_bin_positives"); StateArrays.writeInts(s.classBinPositives, &w)
        w.key("class_bin_probability_sum"); StateArrays.writeDoubles(s.classBinProbabilitySum, &w)
        if let g = s.logitGap {
            w.key("logit_gap")
            writeLogitGap(g, &w)
        }
        w.endObject()
    }

    /// The fields of the optional `logit_gap` object (present when `logit_gap` was requested).
    static let logitGapFields = ["label_smoothing", "smoothing", "count", "infinite", "sum", "m2", "min", "max",
                                 "top2_sum", "norm_sum", "beyond_optimal_count"]

    static func writeLogitGap(_ g: LogitGapStatistics, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("label_smoothing"); if let e = g.labelSmoothing { w.writeFloat(e) } else { w.writeNull() }
        w.key("smoothing"); if let kind = g.smoothing { w.writeString(kind.rawValue) } else { w.writeNull() }
        w.key("count"); w.writeInt(g.count)
        w.key("infinite"); w.writeInt(g.infinite)
        w.key("sum"); w.writeDouble(g.sum)
        w.key("m2"); w.writeDouble(g.m2)
        // ±∞ for no finite rows: null.
        w.key("min"); if g.count > 0 { w.writeDouble(g.min) } else { w.writeNull() }
        w.key("max"); if g.count > 0 { w.writeDouble(g.max) } else { w.writeNull() }
        w.key("top2_sum"); w.writeDouble(g.top2Sum)
        w.key("norm_sum"); w.writeDouble(g.normSum)
        w.key("beyond_optimal_count"); w.writeInt(g.beyondOptimal)
        w.endObject()
    }

    static func readLogitGap(_ r: inout JSONReader, path: String) throws -> LogitGapStatistics {
        var g = LogitGapStatistics(labelSmoothing: nil, smoothing: nil)
        var seen = Set<String>()
        try r.beginObject(path: path)
        while let key = try r.nextKey() {
            let p = "\(path).\(key)"
            switch key {
            case "label_smoothing": g.labelSmoothing = try r.readNull() ? nil : try r.readFloat(path: p)
            case "smoothing": g.smoothing = try r.readNull() ? nil : try choice(&r, p, SmoothingKind.allCases)
            case "count": g.count = try StateArrays.readCount(&r, p)
            case "infinite": g.infinite = try StateArrays.readCount(&r, p)
            case "sum": g.sum = try r.readDouble(path: p)
            case "m2": g.m2 = try r.readDouble(path: p)
            case "min": g.min = try r.readNull() ? .infinity : try r.readDouble(path: p)
            case "max": g.max = try r.readNull() ? -.infinity : try r.readDouble(path: p)
            case "top2_sum": g.top2Sum = try r.readDouble(path: p)
            case "norm_sum": g.normSum = try r.readDouble(path: p)
            case "beyond_optimal_count": g.beyondOptimal = try StateArrays.readCount(&r, p)
            default:
                throw ServiceError(status: 422, code: "unknown_field",
                                   message: "unknown logit_gap state field \"\(key)\"; send the `state` of a /v1/calibration response unchanged", path: p)
            }
            seen.insert(key)
        }
        if let missing = logitGapFields.first(where: { !seen.contains($0) }) {
            throw ServiceError(status: 422, code: "missing_field",
                               message: "logit_gap state field \"\(missing)\" is missing; send the `state` of a /v1/calibration response unchanged", path: "\(path).\(missing)")
        }
        return g
    }

    /// Reads a state written by `write`; every field is required, unknown ones are rejected,
    /// and `CalibrationState.validate` checks sizes and consistency.
    static func read(_ r: inout JSONReader, path: String) throws -> CalibrationState {
        var s = CalibrationState(numClasses: 1, configuration: CalibrationConfiguration())
        var seen = Set<String>()
        try r.beginObject(path: path)
        while let key = try r.nextKey() {
            let p = "\(path).\(key)"
            switch key {
            case "version": s.version = try r.readInt(path: p)
            case "num_classes": s.numClasses = try r.readInt(path: p)
            case "bins": s.bins = try r.readInt(path: p)
            case "edge_rule": s.edgeRule = try choice(&r, p, EdgeRule.allCases)
            case "binning": s.binning = try choice(&r, p, CalibrationConfiguration.Binning.allCases)
            case "temperature": s.temperature = try r.readFloat(path: p)
            case "top_k": s.topK = try r.readIntArray(path: p)
            case "count": s.count = try StateArrays.readCount(&r, p)
            case "correct": s.correct = try StateArrays.readCount(&r, p)
            case "top_k_correct": s.topKCorrect = try StateArrays.readCounts(&r, p)
            case "confidence_sum": s.confidenceSum = try r.readDouble(path: p)
            case "nll_sum": s.nllSum = try r.readDouble(path: p)
            case "nll_infinite_count": s.nllInfiniteCount = try StateArrays.readCount(&r, p)
            case "brier_sum": s.brierSum = try r.readDouble(path: p)
            case "entropy_sum": s.entropySum = try r.readDouble(path: p)
            case "bin_count": s.binCount = try StateArrays.readCounts(&r, p)
            case "bin_correct": s.binCorrect = try StateArrays.readCounts(&r, p)
            case "bin_confidence_sum": s.binConfidenceSum = try StateArrays.readDoubles(&r, p)
            case "class_bin_count": s.classBinCount = try StateArrays.readCounts(&r, p)
            case "class_bin_positives": s.classBinPositives = try StateArrays.readCounts(&r, p)
            case "class_bin_probability_sum": s.classBinProbabilitySum = try StateArrays.readDoubles(&r, p)
            case "logit_gap": s.logitGap = try readLogitGap(&r, path: p)
            default:
                throw ServiceError(status: 422, code: "unknown_field",
                                   message: "unknown state field \"\(key)\"; a state is the `state` object of a /v1/calibration response", path: p)
            }
            seen.insert(key)
        }
        if let missing = fields.first(where: { !seen.contains($0) }) {
            throw ServiceError(status: 422, code: "missing_field",
                               message: "state field \"\(missing)\" is missing; send the `state` object of a /v1/calibration response unchanged", path: "\(path).\(missing)")
        }
        try s.validate(path: path)
        return s
    }

    private static func choice<T: RawRepresentable>(_ r: inout JSONReader, _ path: String, _ all: [T]) throws -> T where T.RawValue == String {
        let s = try r.readString(path: path)
        guard let v = T(rawValue: s) else {
            throw ServiceError.invalidValue(path, "\(path) must be one of \(all.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")); got \"\(s)\"")
        }
        return v
    }
}
