import Foundation
import SoftLabelService

/// What every response must satisfy (API.md, Conventions), whatever the request:
/// - the status is one the API names: 200, 400, 404, 413, 415, 422 or 503 (a 500 is a bug);
/// - an error body is a JSON object with string `error` and `code` (and a string `path` if any),
///   sent as `application/json` (checked with Foundation's `JSONSerialization`);
/// - a 200 JSON body is strict RFC 8259 JSON (so no `NaN` / `Infinity` text), by `StrictJSON`;
/// - a binary inference response has an `Inference-Header-Content-Length` within the body, a
///   strict JSON header, and exactly the bytes its outputs' `binary_data_size` add up to;
/// - an SVG body starts with `<svg` or `<?xml`.
/// A violation prints the request and the response and aborts (libFuzzer saves the input).
enum ResponseChecks {
    static let allowedStatuses: Set<Int> = [200, 400, 404, 413, 415, 422, 503]

    static func check(_ r: ServiceResponse, _ request: FuzzRequest) {
        guard allowedStatuses.contains(r.status) else {
            fail("status \(r.status) is not one the API allows (a 500 is a bug)", r, request)
        }
        if r.status == 200 {
            checkSuccess(r, request)
        } else {
            checkError(r, request)
        }
    }

    static func checkError(_ r: ServiceResponse, _ request: FuzzRequest) {
        guard r.contentType == "application/json" else { fail("error response with Content-Type \(r.contentType)", r, request) }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(r.body))) as? [String: Any] else {
            fail("error body is not a JSON object", r, request)
        }
        guard let message = object["error"] as? String, !message.isEmpty else { fail("error body without a string \"error\"", r, request) }
        guard let code = object["code"] as? String, !code.isEmpty else { fail("error body without a string \"code\"", r, request) }
        if let path = object["path"], !(path is String) { fail("error body with a \"path\" that is not a string", r, request) }
        if code == "internal_error" { fail("internal_error code with status \(r.status)", r, request) }
    }

    /// The v1 routes that answer `image/svg+xml`.
    static let diagrams: Set<String> = ["/v1/reliability-diagram", "/v1/projection-diagram"]

    static func checkSuccess(_ r: ServiceResponse, _ request: FuzzRequest) {
        switch (request.route, r.contentType) {
        case (.v1(let path), "image/svg+xml") where Self.diagrams.contains(path):
            guard r.body.starts(with: Array("<svg".utf8)) || r.body.starts(with: Array("<?xml".utf8)) else {
                fail("SVG body does not start with <svg or <?xml", r, request)
            }
        case (.v1(let path), "application/json") where !Self.diagrams.contains(path):
            checkJSON(r.body[...], "body", r, request)
        case (.infer, "application/json"):
            checkJSON(r.body[...], "body", r, request)
        case (.infer, "application/octet-stream"):
            checkBinaryInference(r, request)
        default:
            fail("200 with Content-Type \(r.contentType) on \(request.route)", r, request)
        }
    }

    static func checkJSON(_ bytes: ArraySlice<UInt8>, _ what: String, _ r: ServiceResponse, _ request: FuzzRequest) {
        if let problem = StrictJSON.problem(bytes) { fail("\(what) is not strict JSON: \(problem)", r, request) }
        guard bytes.first == UInt8(ascii: "{") else { fail("\(what) is not a JSON object", r, request) }
    }

    static func checkBinaryInference(_ r: ServiceResponse, _ request: FuzzRequest) {
        let values = r.headers.filter { $0.0.lowercased() == "inference-header-content-length" }.map(\.1)
        guard values.count == 1, let length = Int(values[0]), length > 0, length <= r.body.count else {
            fail("binary inference response with Inference-Header-Content-Length \(values) for \(r.body.count) bytes", r, request)
        }
        let header = r.body[..<length]
        checkJSON(header, "binary response header", r, request)
        guard let parsed = FuzzJSON.parse(header), case .array(let outputs)? = parsed["outputs"] else {
            fail("binary response header has no outputs array", r, request)
        }
        var total = 0
        for output in outputs {
            guard let size = output["parameters"]?["binary_data_size"] else { continue }
            guard case .number(let text) = size, let n = Int(text), n >= 0 else {
                fail("binary_data_size \(size.text) is not a byte count", r, request)
            }
            let (sum, overflow) = total.addingReportingOverflow(n)
            guard !overflow else { fail("binary_data_size values overflow Int", r, request) }
            total = sum
        }
        guard total == r.body.count - length else {
            fail("outputs declare \(total) binary bytes, the body has \(r.body.count - length) after the header", r, request)
        }
    }

    static func fail(_ message: String, _ r: ServiceResponse, _ request: FuzzRequest) -> Never {
        let body = String(decoding: r.body.prefix(2000), as: UTF8.self)
        FileHandle.standardError.write(Data("""
            SERVICE FUZZ FAILURE: \(message)
            request:
            \(request.describe())
            response: \(r.status) \(r.contentType) \(r.headers)
            response body (\(r.body.count) bytes): \(body)

            """.utf8))
        abort()
    }
}
