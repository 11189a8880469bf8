import SoftLabelKernels
import SoftLabelWire

/// `POST /v1/temperature`: temperature scaling (T minimising the mean NLL of softmax(logits/T),
/// solved exactly), or with `method` "vector" / "matrix" (and `odir` for matrix) vector or matrix
/// scaling solved to the optimum (docs/api.md).
enum TemperatureEndpoint {
    static let example = #"{"logits": [[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]], "labels": [0, 2], "method": "matrix", "odir": {"lambda": 0.01, "mu": 0.01}}"#
    static let fields = ["logits", "labels", "bins", "method", "odir"]

    struct Request: Sendable {
        var logits: Matrix
        var labels: [Int]
        var bins: Int
        var method: ScalingMethod
        var odir: ODIR?
    }

    /// Element-operations of a temperature fit: a few dozen passes over the logits (Newton with bracketing).
    static func cost(_ logits: Matrix) -> Int { Int.cost(logits.rows, logits.columns, 64) }

    /// Element-operations of vector or matrix scaling: the solver's evaluation limit × the
    /// multiply-adds of one evaluation (N·K, or 2·N·K² for matrix), plus the two calibration passes.
    static func cost(_ logits: Matrix, _ method: ScalingMethod) -> Int {
        guard method != .temperature else { return cost(logits) }
        let limit = LinearScaling.evaluationLimit(rows: logits.rows, classes: logits.columns, method: method)
        let work = LinearScaling.evaluationWork(rows: logits.rows, classes: logits.columns, method: method)
        return Int.cost(limit, work).addingSaturating(Int.cost(logits.rows, logits.columns, 2))
    }

    /// Reads `{"lambda": λ, "mu": μ}` (both required numbers).
    static func readODIR(_ reader: inout JSONReader) throws -> ODIR {
        var lambda: Double?, mu: Double?
        try reader.beginObject(path: "odir")
        while let key = try reader.nextKey() {
            switch key {
            case "lambda": lambda = try reader.readDouble(path: "odir.lambda")
            case "mu": mu = try reader.readDouble(path: "odir.mu")
            default: throw ServiceError.unknownField("odir.\(key)", allowed: ["lambda", "mu"])
            }
        }
        guard let lambda else { throw ServiceError.missingField("odir.lambda", "λ ≥ 0, the weight of the off-diagonal penalty λ/(K(K−1)) Σ_{i≠j} W_ij²") }
        guard let mu else { throw ServiceError.missingField("odir.mu", "μ ≥ 0, the weight of the intercept penalty μ/K Σ_j b_j²") }
        return ODIR(lambda: lambda, mu: mu)
    }

    /// Decodes and validates a request (shared with the Open Inference `temperature` model's checks).
    static func decode(_ body: [UInt8], _ decoding: RequestDecoding) throws -> Request {
        var logits: Matrix?, labels: [Int]?, bins: Int?, method = ScalingMethod.temperature, odir: ODIR?
        try decoding.decodeObject(body, allowed: fields, example: example) { key, reader in
            switch key {
            case "logits": logits = try decoding.matrix(&reader, key)
            case "labels": labels = try reader.readIntArray(path: key)
            case "bins": bins = try reader.readInt(path: key)
            case "method": method = try decoding.choice(&reader, key, ScalingMethod.allCases.map { ($0.rawValue, $0) })
            case "odir": odir = try readODIR(&reader)
            default: return false
            }
            return true
        }
        guard let logits else { throw ServiceError.missingField("logits", "a B×K matrix of logits") }
        guard let labels else { throw ServiceError.missingField("labels", "B class indices, one per row") }
        let configuration = CalibrationConfiguration(bins: bins)
        try validate(logits: logits, labels: labels, bins: configuration.bins, method: method, odir: odir, decoding)
        return Request(logits: logits, labels: labels, bins: configuration.bins, method: method, odir: odir)
    }

    /// The method's checks, and for vector/matrix the answer's size (K or K² weights) against
    /// `maxResponseBytes` before anything is fitted.
    static func validate(logits: Matrix, labels: [Int], bins: Int, method: ScalingMethod, odir: ODIR?, _ decoding: RequestDecoding) throws {
        let configuration = CalibrationConfiguration(bins: bins)
        if method == .temperature {
            if odir != nil {
                throw ServiceError(status: 422, code: "conflicting_fields", message: "odir regularises matrix scaling only (method \"matrix\")", path: "odir")
            }
            try Calibration.validate(.logits(logits), labels: labels, configuration: configuration)
            return
        }
        try LinearScaling.validate(logits: logits, labels: labels, method: method, odir: odir, bins: bins)
        let k = logits.columns
        let weights = method == .matrix ? Int.cost(k, k) : k
        try decoding.checkResponse(bytes: Int.cost(weights.addingSaturating(k), RequestDecoding.bytesPerDouble), path: "method",
                                   what: "the \(method.rawValue) scaling weights (\(weights) + \(k) numbers)")
    }

    static func prepare(_ body: [UInt8], _ decoding: RequestDecoding) throws -> Prepared {
        let request = try decode(body, decoding)
        return .compute(cost: cost(request.logits, request.method)) {
            request.method == .temperature ? temperatureBody(request) : scalingBody(request)
        }
    }

    static func temperatureBody(_ request: Request) -> [UInt8] {
        let fit = TemperatureScaling.fit(logits: request.logits, labels: request.labels, bins: request.bins)
        var w = JSONWriter(capacity: 256)
        w.beginObject()
        w.key("temperature"); w.writeDouble(fit.temperature)
        for (name, value) in [("nll_before", fit.nllBefore), ("nll_after", fit.nllAfter),
                              ("ece_before", fit.eceBefore), ("ece_after", fit.eceAfter)] {
            w.key(name)
            if let value { w.writeDouble(value) } else { w.writeNull() }
        }
        w.key("iterations"); w.writeInt(fit.iterations)
        w.key("converged"); w.writeBool(fit.converged)
        w.key("bound")
        if let bound = fit.bound { w.writeString(bound.rawValue) } else { w.writeNull() }
        w.endObject()
        return w.bytes
    }

    static func scalingBody(_ request: Request) -> [UInt8] {
        let fit = LinearScaling.fit(logits: request.logits, labels: request.labels, method: request.method, odir: request.odir, bins: request.bins)
        let k = request.logits.columns
        var w = JSONWriter(capacity: 512 + (fit.weights.count + k) * RequestDecoding.bytesPerDouble)
        w.beginObject()
        w.key("method"); w.writeString(fit.method.rawValue)
        w.key("objective"); w.writeDouble(fit.objective)
        w.key("weights")
        if fit.method == .matrix {
            w.beginArray()
            for i in 0..<k {
                w.beginArray()
                for j in 0..<k { w.writeDouble(fit.weights[i * k + j]) }
                w.endArray()
            }
            w.endArray()
        } else {
            w.beginArray()
            for v in fit.weights { w.writeDouble(v) }
            w.endArray()
        }
        w.key("bias")
        w.beginArray()
        for v in fit.bias { w.writeDouble(v) }
        w.endArray()
        for (name, value) in [("nll_before", fit.nllBefore), ("nll_after", fit.nllAfter), ("ece_before", fit.eceBefore), ("ece_after", fit.eceAfter),
                              ("accuracy_before", fit.accuracyBefore), ("accuracy_after", fit.accuracyAfter)] as [(String, Double?)] {
            w.key(name)
            if let value { w.writeDouble(value) } else { w.writeNull() }
        }
        w.key("iterations"); w.writeInt(fit.iterations)
        w.key("converged"); w.writeBool(fit.converged)
        w.endObject()
        return w.bytes
    }
}
