import SoftLabelHTTP
import SoftLabelKernels
import SoftLabelWire

/// Reads a request body that is one JSON object of known fields.
///
/// `field` is called for each key with the reader positioned at its value and must consume it,
/// returning false for a key it does not know (the value is then skipped and the key reported
/// as 422 `unknown_field` once the whole body has been read, so a typo never silently changes
/// a result). Syntax errors anywhere in the body win over value errors: when a value is
/// rejected, the rest of the body is validated, and a 400 is reported if it is malformed.
struct RequestDecoding {
    let configuration: ServiceConfiguration

    init(_ configuration: ServiceConfiguration) {
        self.configuration = configuration
    }

    func decodeObject(_ bytes: [UInt8], allowed: [String], example: String,
                      _ field: (String, inout JSONReader) throws -> Bool) throws(ServiceError) {
        let result: Result<Void, ServiceError> = bytes.withUnsafeBytes { body in
            do throws(ServiceError) {
                try decodeObject(body, allowed: allowed, example: example, field)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// `example` is a valid body for the endpoint, shown when the body is empty.
    func decodeObject(_ body: UnsafeRawBufferPointer, allowed: [String], example: String,
                      _ field: (String, inout JSONReader) throws -> Bool) throws(ServiceError) {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            throw ServiceError(status: 400, code: "empty_body", message: "the request body is empty; send a JSON object such as \(example)")
        }
        var unknown: String?
        do {
            var reader = JSONReader(body, maxDepth: configuration.maxJSONDepth)
            if try reader.peekKind() != .object {
                throw ServiceError(status: 422, code: "invalid_type", message: "the request body must be a JSON object of named fields")
            }
            try reader.beginObject(path: "")
            while let key = try reader.nextKey() {
                if try !field(key, &reader) {
                    if unknown == nil { unknown = key }
                    try reader.skipValue()
                }
            }
            try reader.finish()
        } catch {
            throw preferSyntaxError(body, over: ServiceError(mapping: error))
        }
        if let unknown { throw ServiceError.unknownField(unknown, allowed: allowed) }
    }

    private func preferSyntaxError(_ body: UnsafeRawBufferPointer, over error: ServiceError) -> ServiceError {
        guard error.status != 400 else { return error }
        do {
            try JSONReader.validate(body, maxDepth: configuration.maxJSONDepth)
        } catch let syntax as JSONReadError where syntax.kind == .syntax {
            return ServiceError(syntax)
        } catch {}
        return error
    }

    /// A matrix field with the configured element and class limits.
    func matrix(_ reader: inout JSONReader, _ path: String) throws -> Matrix {
        let m = try reader.readFloatMatrix(path: path, maxElements: configuration.maxElements)
        try checkLimits(rows: m.rows, columns: m.columns, path: path)
        return m
    }

    func checkLimits(rows: Int, columns: Int, path: String) throws(ServiceError) {
        if columns > configuration.maxClasses {
            throw ServiceError(status: 422, code: "too_large", message: "\(path) has \(columns) classes; the limit is \(configuration.maxClasses) (raise it with \(SettingName.both("maxClasses")))", path: path)
        }
        let (elements, overflow) = rows.multipliedReportingOverflow(by: columns)
        if overflow || elements > configuration.maxElements {
            let count = overflow ? "more than \(Int.max)" : String(elements)
            throw ServiceError(status: 422, code: "too_large",
                               message: "\(path) has \(count) elements; the limit is \(configuration.maxElements) per matrix (raise it with \(SettingName.both("maxElements")))", path: path)
        }
    }

    /// Bytes one JSON number takes in a response at most ("-1.2345679e-38,"), and one float64 sum.
    static let bytesPerFloat = 16
    static let bytesPerDouble = 26

    /// 422 `too_large` at `path` when a request would answer (or hold) more than
    /// `maxResponseBytes`; `bytes` is estimated from decoded sizes with saturating arithmetic.
    func checkResponse(bytes: Int, path: String, what: String) throws(ServiceError) {
        guard bytes > configuration.maxResponseBytes else { return }
        throw ServiceError(status: 422, code: "too_large",
                           message: "\(what) would take about \(bytes) bytes; the limit is \(configuration.maxResponseBytes) (raise it with \(SettingName.both("maxResponseBytes")))",
                           path: path)
    }

    /// A string field that must be one of `choices`.
    func choice<T>(_ reader: inout JSONReader, _ path: String, _ choices: [(String, T)]) throws -> T {
        let s = try reader.readString(path: path)
        guard let match = choices.first(where: { $0.0 == s }) else {
            throw ServiceError.invalidValue(path, "\(path) must be one of \(choices.map { "\"\($0.0)\"" }.joined(separator: ", ")); got \"\(s)\"")
        }
        return match.1
    }
}
