import SoftLabelHTTP
import SoftLabelKernels
import SoftLabelWire

/// Every way a request can fail, mapped to its HTTP status and the API's error body
/// `{"error": "<one clear sentence>", "code": "<machine_code>", "path": "<JSON path>"}`
/// in one place (docs/api.md, Conventions).
public struct ServiceError: Error, Equatable, Sendable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String
    public var path: String?
    /// Extra response headers (e.g. `Allow` on 405).
    public var headers: [(String, String)] = []

    public init(status: Int, code: String, message: String, path: String? = nil, headers: [(String, String)] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.path = (path?.isEmpty ?? true) ? nil : path
        self.headers = headers
    }

    public static func == (a: ServiceError, b: ServiceError) -> Bool {
        a.status == b.status && a.code == b.code && a.message == b.message && a.path == b.path
    }

    public var description: String { "\(status) \(code): \(message)" + (path.map { " at \($0)" } ?? "") }

    /// 400 for JSON that is not RFC 8259; 422 for valid JSON with wrong types, shapes or values.
    public init(_ error: JSONReadError) {
        switch error.kind {
        case .syntax: self.init(status: 400, code: "malformed_json", message: error.message, path: error.path)
        case .type: self.init(status: 422, code: "invalid_type", message: error.message, path: error.path)
        case .shape: self.init(status: 422, code: "shape_mismatch", message: error.message, path: error.path)
        case .range: self.init(status: 422, code: "invalid_value", message: error.message, path: error.path)
        case .duplicateKey: self.init(status: 422, code: "duplicate_field", message: error.message, path: error.path)
        case .tooLarge: self.init(status: 422, code: "too_large",
                                  message: error.message + " Raise it with \(SettingName.both("maxElements")).", path: error.path)
        }
    }

    /// The one mapping from anything a route throws to the API's error: the service's own
    /// errors as they are, the JSON reader's and the kernels' by their kind, anything else a 500
    /// (a bug: every error type a route can throw is listed here).
    public init(mapping error: any Error) {
        switch error {
        case let e as ServiceError: self = e
        case let e as ValidationError: self.init(e)
        case let e as JSONReadError: self.init(e)
        default: self.init(status: 500, code: "internal_error", message: "internal error: \(error)")
        }
    }

    /// Kernel validation errors are all 422: the JSON was fine, its values were not.
    public init(_ error: ValidationError) {
        self.init(status: 422, code: error.code.rawValue, message: error.message, path: error.path)
    }

    public static func unknownField(_ key: String, allowed: [String]) -> ServiceError {
        ServiceError(status: 422, code: "unknown_field",
                     message: "unknown field \"\(key)\"; this endpoint accepts: \(allowed.joined(separator: ", "))", path: key)
    }

    public static func missingField(_ key: String, _ why: String) -> ServiceError {
        ServiceError(status: 422, code: "missing_field", message: "missing required field \"\(key)\": \(why)", path: key)
    }

    public static func invalidValue(_ path: String, _ message: String) -> ServiceError {
        ServiceError(status: 422, code: "invalid_value", message: message, path: path)
    }

    /// 503 while the server drains, with the configured `Retry-After`.
    public static func draining(retryAfterSeconds: Int) -> ServiceError {
        ServiceError(status: 503, code: "draining", message: "the server is shutting down and takes no new work; retry on another replica",
                     headers: [("Retry-After", String(retryAfterSeconds))])
    }

    public static func methodNotAllowed(_ path: String, allow: String) -> ServiceError {
        ServiceError(status: 405, code: "method_not_allowed", message: "\(path) accepts \(allow)", headers: [("Allow", allow)])
    }

    /// 413 for a body over the limit (`softlabel call`; the server refuses it before reading).
    public static func bodyTooLarge(_ count: Int, limit: Int) -> ServiceError {
        ServiceError(status: 413, code: "body_too_large",
                     message: "the body has \(count) bytes; the limit is \(limit) (raise it with \(SettingName.both("maxBodyBytes")))")
    }

    /// A `Content-Encoding: gzip` body that cannot be used: 413 when it inflates past the body
    /// limit (the limit holds for the decompressed body), 400 `invalid_gzip` naming what is wrong.
    public static func gzip(_ failure: GzipInflater.Failure) -> ServiceError {
        func invalid(_ message: String) -> ServiceError { ServiceError(status: 400, code: "invalid_gzip", message: message) }
        switch failure {
        case .tooLarge(let limit):
            return ServiceError(status: 413, code: "body_too_large",
                                message: "the gzip body inflates to more than \(limit) bytes (inflating stopped there); the limit on the decompressed body is \(limit) bytes (raise it with \(SettingName.both("maxBodyBytes")))")
        case .empty:
            return invalid("the body is empty but Content-Encoding says gzip: a gzip body has at least one member (RFC 1952)")
        case .truncated(let bytesRead):
            return invalid("the gzip body is truncated: its \(bytesRead) bytes end inside a gzip member")
        case .corrupt(let reason, let offset):
            return invalid("the body is not valid gzip: \(reason) (at about compressed byte \(offset))")
        case .trailingData(let offset, let count):
            return invalid("\(count) bytes of trailing data after the gzip member that ends at byte \(offset): they do not start another gzip member")
        case .outOfMemory:
            return ServiceError(status: 500, code: "internal_error", message: "internal error: zlib could not allocate its state")
        }
    }

    public static func notFound(_ path: String) -> ServiceError {
        ServiceError(status: 404, code: "not_found", message: "no route for \(path); see GET /openapi.yaml for the API")
    }

    /// The error body, written with the service's own JSON writer.
    public var body: [UInt8] {
        var w = JSONWriter(capacity: 128 + message.utf8.count)
        w.beginObject()
        w.key("error")
        w.writeString(message)
        w.key("code")
        w.writeString(code)
        if let path {
            w.key("path")
            w.writeString(path)
        }
        w.endObject()
        return w.bytes
    }
}
