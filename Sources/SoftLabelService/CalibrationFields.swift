import SoftLabelKernels
import SoftLabelWire

/// The fields of a `/v1/calibration` request, and the one builder that validates them into a
/// `CalibrationEndpoint.Request` (also for the Open Inference `calibration` model, which fills
/// the fields from tensors and parameters). The rows (`logits` or `probabilities`, and `labels`) come from
/// the JSON body or are supplied decoded (`SoftLabelService.calibration(matrix:...)`, which
/// `softlabel eval` uses for NumPy files); the options always come from JSON, through `readOption`,
/// so both ways accept, default and reject them identically.
struct CalibrationFields {
    static let rowNames = ["logits", "probabilities", "labels"]
    static let optionNames = ["temperature", "bins", "binning", "preset", "top_k", "bootstrap", "seed",
                              "metrics", "label_smoothing", "smoothing", "coverages"]

    var logits: Matrix?
    var probabilities: Matrix?
    var labels: [Int]?
    var temperature: Float?
    var bins: Int?
    var binning = CalibrationConfiguration.Binning.equalWidth
    var preset: CalibrationConfiguration.Preset?
    var topK: [Int]?
    var bootstrap = 0
    var seed = 0
    /// `metrics`: nil = every metric and `state` (`CalibrationSelection.everything`).
    var selection: CalibrationSelection?
    /// `label_smoothing` and `smoothing`: the optimal gap of `logit_gap` (only with it).
    var labelSmoothing: Float?
    var smoothing: SmoothingKind?
    /// `coverages` of `selective` (only with it).
    var coverages: [Double]?

    /// Reads row field `key`; returns false for any other key.
    mutating func readRows(_ key: String, _ reader: inout JSONReader, _ decoding: RequestDecoding) throws -> Bool {
        switch key {
        case "logits": logits = try decoding.matrix(&reader, key)
        case "probabilities": probabilities = try decoding.matrix(&reader, key)
        case "labels": labels = try reader.readIntArray(path: key)
        default: return false
        }
        return true
    }

    /// Reads option field `key`; returns false for any other key.
    mutating func readOption(_ key: String, _ reader: inout JSONReader, _ decoding: RequestDecoding) throws -> Bool {
        switch key {
        case "temperature": temperature = try reader.readFloat(path: key)
        case "bins": bins = try reader.readInt(path: key)
        case "binning": binning = try decoding.choice(&reader, key, CalibrationConfiguration.Binning.allCases.map { ($0.rawValue, $0) })
        case "preset": preset = try decoding.choice(&reader, key, CalibrationConfiguration.Preset.allCases.map { ($0.rawValue, $0) })
        case "top_k": topK = try reader.readIntArray(path: key)
        case "bootstrap": bootstrap = try reader.readInt(path: key)
        case "seed": seed = try reader.readInt(path: key)
        case "metrics": selection = try Self.selection(try reader.readStringArray(path: key))
        case "label_smoothing": labelSmoothing = try reader.readFloat(path: key)
        case "smoothing": smoothing = try decoding.choice(&reader, key, SmoothingKind.allCases.map { ($0.rawValue, $0) })
        case "coverages":
            var values: [Double] = []
            try reader.beginArray(path: key)
            while try reader.nextElement() { values.append(try reader.readDouble(path: "\(key)[\(values.count)]")) }
            coverages = values
        default: return false
        }
        return true
    }

    /// `metrics` names → the selection: 422 at `metrics` for an empty list, at `metrics[i]` for
    /// a name that is not one of `CalibrationSelection.names`.
    static func selection(_ names: [String], path: String = "metrics") throws(ServiceError) -> CalibrationSelection {
        guard !names.isEmpty else {
            throw ServiceError.invalidValue(path, "\(path) must name at least one of: \(CalibrationSelection.names.joined(separator: ", ")) (leave it out for every metric and state)")
        }
        switch CalibrationSelection.parse(names) {
        case .success(let selection): return selection
        case .failure(let unknown):
            throw ServiceError.invalidValue("\(path)[\(unknown.index)]", "unknown metric \"\(unknown.name)\"; expected one of: \(CalibrationSelection.names.joined(separator: ", "))")
        }
    }

    /// The validated request: exactly one of logits/probabilities, labels, the configuration
    /// checked by the kernel and the class-wise cells against `maxResponseBytes`.
    /// `missing(field, why)` words a missing input in the caller's vocabulary (a JSON field, or an
    /// input tensor).
    func build(_ decoding: RequestDecoding,
               missing: (String, String) -> ServiceError = ServiceError.missingField) throws -> CalibrationEndpoint.Request {
        let input: CalibrationInput
        switch (logits, probabilities) {
        case (let l?, nil): input = .logits(l)
        case (nil, let p?):
            if temperature != nil {
                throw ServiceError(status: 422, code: "conflicting_fields", message: "temperature applies to logits, not to probabilities", path: "temperature")
            }
            input = .probabilities(p)
        case (nil, nil): throw missing("logits", "send logits (B×K) or probabilities (B×K rows summing to 1)")
        case (.some, .some):
            throw ServiceError(status: 422, code: "conflicting_fields", message: "send exactly one of `logits` or `probabilities`, not both", path: "probabilities")
        }
        guard let labels else { throw missing("labels", "B class indices, one per row") }
        guard seed >= 0 else { throw ServiceError.invalidValue("seed", "seed must be ≥ 0, got \(seed)") }
        var configuration = CalibrationConfiguration(preset: preset, bins: bins, binning: binning, temperature: temperature ?? 1,
                                                     topK: topK ?? CalibrationConfiguration.defaultTopK, bootstrap: bootstrap,
                                                     seed: UInt64(seed))
        let selection = self.selection ?? .everything
        // These options serve one metric each: without it they would silently do nothing.
        if !selection.contains(.logitGap) {
            for (name, given) in [("label_smoothing", labelSmoothing != nil), ("smoothing", smoothing != nil)] where given {
                throw ServiceError(status: 422, code: "conflicting_fields", message: "\(name) is used only by the logit_gap metric; add \"logit_gap\" to metrics or leave \(name) out", path: name)
            }
        }
        if coverages != nil, !selection.contains(.selective) {
            throw ServiceError(status: 422, code: "conflicting_fields", message: "coverages is used only by the selective metric; add \"selective\" to metrics or leave coverages out", path: "coverages")
        }
        configuration.selection = selection
        configuration.logitGapEpsilon = labelSmoothing
        configuration.logitGapSmoothing = smoothing ?? .uniform
        configuration.coverages = coverages ?? CalibrationConfiguration.defaultCoverages
        try Calibration.validate(input, labels: labels, configuration: configuration)
        try CalibrationEndpoint.checkSize(input, configuration, decoding)
        return CalibrationEndpoint.Request(input: input, labels: labels, configuration: configuration, namedMetrics: self.selection != nil)
    }
}
