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
    static let optionNames = ["temperature", "bins", "binning", "preset", "top_k", "bootstrap", "seed"]

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
        default: return false
        }
        return true
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
        let configuration = CalibrationConfiguration(preset: preset, bins: bins, binning: binning, temperature: temperature ?? 1,
                                                     topK: topK ?? CalibrationConfiguration.defaultTopK, bootstrap: bootstrap,
                                                     seed: UInt64(seed))
        try Calibration.validate(input, labels: labels, configuration: configuration)
        try CalibrationEndpoint.checkSize(input, configuration, decoding)
        return CalibrationEndpoint.Request(input: input, labels: labels, configuration: configuration)
    }
}
