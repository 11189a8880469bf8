import SoftLabelKernels
import SoftLabelWire

/// `/v1/calibration` and `/v1/loss` on rows that are already decoded (a NumPy file read by
/// `softlabel eval`), without writing them as JSON text first.
///
/// Only the rows bypass JSON: the other fields come as a JSON object (`options`) and go through
/// the endpoint's own decoder and builder (`CalibrationEndpoint.decode(_:_:rows:)`,
/// `LossEndpoint.decode(_:_:rows:)`), and the response is computed and written by the endpoint's
/// own code, so the answer is byte for byte what the endpoint answers for a body holding the same
/// float32 values. An option the endpoint would reject is the same 4xx here; a row field in
/// `options` is an `unknown_field`.
extension SoftLabelService {
    /// `POST /v1/calibration` with `matrix` as `logits` (or `probabilities`) and `labels`;
    /// `options` is a JSON object of the other fields (`{}` for the defaults), e.g.
    /// `{"bins": 15, "top_k": [1, 5]}`.
    public func calibration(matrix: Matrix, isProbabilities: Bool, labels: [Int], options: [UInt8]) -> ServiceResponse {
        answer(options) { decoding in
            let field = isProbabilities ? "probabilities" : "logits"
            try Self.checkRows(matrix, field, decoding)
            var rows = CalibrationFields()
            if isProbabilities { rows.probabilities = matrix } else { rows.logits = matrix }
            rows.labels = labels
            return CalibrationEndpoint.prepare(try CalibrationEndpoint.decode(options, decoding, rows: rows))
        }
    }

    /// `POST /v1/loss` with `logits` and `labels`; `options` is a JSON object of the other fields
    /// (`{}` for the defaults: mean cross-entropy), e.g. `{"label_smoothing": 0.1}`.
    public func loss(logits: Matrix, labels: [Int], options: [UInt8]) -> ServiceResponse {
        answer(options) { decoding in
            try Self.checkRows(logits, "logits", decoding)
            let request = try LossEndpoint.decode(options, decoding, rows: (logits, labels))
            return .compute(cost: request.cost) { LossEndpoint.encode(request.compute(), reduction: request.configuration.reduction) }
        }
    }

    /// The rows of a `/v1/calibration` body (decoded and validated as the endpoint does), for a
    /// caller that also wants `loss(logits:labels:options:)` on them.
    public func calibrationRows(body: [UInt8]) -> Result<(matrix: Matrix, isProbabilities: Bool, labels: [Int]), ServiceError> {
        do {
            let request = try CalibrationEndpoint.decode(body, RequestDecoding(configuration))
            switch request.input {
            case .logits(let m): return .success((m, false, request.labels))
            case .probabilities(let m): return .success((m, true, request.labels))
            }
        } catch {
            return .failure(ServiceError(mapping: error))
        }
    }

    /// The options body against `maxBodyBytes`, then the action; any error becomes the response.
    private func answer(_ options: [UInt8], _ action: (RequestDecoding) throws -> Prepared) -> ServiceResponse {
        guard options.count <= configuration.maxBodyBytes else {
            return ServiceResponse(.bodyTooLarge(options.count, limit: configuration.maxBodyBytes))
        }
        do {
            return Self.finish(try action(RequestDecoding(configuration)))
        } catch {
            return ServiceResponse(ServiceError(mapping: error))
        }
    }

    /// What the JSON reader checks of a matrix field: at least one row of at least one value, the
    /// element limit (the reader stops at it while reading, so it comes first, in its words), then
    /// the configured class limit.
    private static func checkRows(_ m: Matrix, _ field: String, _ decoding: RequestDecoding) throws(ServiceError) {
        if m.rows == 0 {
            throw ServiceError(JSONReadError(kind: .shape, message: "\(field) is empty: a matrix needs at least one row.", offset: 0, path: field))
        }
        if m.columns == 0 {
            throw ServiceError(JSONReadError(kind: .shape, message: "\(field)[0] is empty: every row needs at least one value.", offset: 0, path: "\(field)[0]"))
        }
        if m.count > decoding.configuration.maxElements {
            throw ServiceError(JSONReadError(kind: .tooLarge, message: "\(field) has more than \(decoding.configuration.maxElements) elements, the limit per matrix.",
                                             offset: 0, path: field))
        }
        try decoding.checkLimits(rows: m.rows, columns: m.columns, path: field)
    }
}
