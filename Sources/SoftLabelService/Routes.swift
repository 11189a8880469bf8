import SoftLabelHTTP
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The HTTP routes: operations (`/healthz`, `/readyz`, `/metrics`, `/openapi.yaml`) and the v1
/// compute endpoints, with the API's 404 / 405 (+ `Allow`) / 415 rules. Every response carries
/// an `X-Request-Id`: the client's (when it is a sane token) or a fresh one.
public struct ServiceHTTPHandler: HTTPHandler {
    public let service: SoftLabelService
    public let metrics: ServiceMetrics
    /// False while the server drains: `/readyz` then answers 503.
    let isReady: @Sendable () -> Bool

    public init(service: SoftLabelService, metrics: ServiceMetrics, isReady: @escaping @Sendable () -> Bool) {
        self.service = service
        self.metrics = metrics
        self.isReady = isReady
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        metrics.requestStarted()
        defer { metrics.requestFinished() }
        var response = route(request)
        response.headers.replaceOrAdd(name: "X-Request-Id", value: RequestID.from(request.headers["x-request-id"]))
        return response
    }

    /// Bodies up to this size of a route whose cost is linear in its input run inline.
    static let inlineBodyBytes = 16 << 10

    /// The operations routes, small `/v1/loss` bodies and small `/v1/calibration` bodies without
    /// `bootstrap` are answered on the I/O thread: their cost is bounded by the body (a loss's
    /// outputs are at most 4 matrices of the logits' size; calibration is linear in the rows plus
    /// smooth ECE's fixed ~0.08 ms of FFTs). Measured on 32×10 calibration bodies: 0.18 → 0.16 ms of
    /// server CPU per request (9,800 → 10,900 req/s), the hop to a compute thread saved. Routes whose
    /// work can grow beyond their body (`/v1/smooth` with a large `num_classes`, calibration with
    /// `bootstrap` resamples) always go to the bounded compute pool.
    public func runsInline(_ request: HTTPRequest) -> Bool {
        if Routes.getRoutes[request.path] != nil { return request.method == "GET" || request.method == "HEAD" }
        guard request.body.count <= Self.inlineBodyBytes else { return false }
        switch request.path {
        case "/v1/loss": return true
        case "/v1/calibration": return !Self.mentionsBootstrap(request.body)
        default: return false
        }
    }

    /// Whether the bytes `bootstrap` occur anywhere in `body`: a key that can multiply the work
    /// (over-approximated: the word inside a string also counts, and sends the request to the pool).
    static func mentionsBootstrap(_ body: [UInt8]) -> Bool {
        let word: StaticString = "bootstrap"
        let length = word.utf8CodeUnitCount
        return body.withUnsafeBytes { bytes in
            guard var p = bytes.baseAddress, bytes.count >= length else { return false }
            let last = p + (bytes.count - length)
            // memchr (vectorised in libc) to each 'b', then a compare.
            while p <= last, let hit = memchr(p, Int32(UInt8(ascii: "b")), last - p + 1) {
                if memcmp(hit, word.utf8Start, length) == 0 { return true }
                p = UnsafeRawPointer(hit) + 1
            }
            return false
        }
    }

    func route(_ request: HTTPRequest) -> HTTPResponse {
        let path = request.path
        if let get = Routes.getRoutes[path] {
            guard request.method == "GET" || request.method == "HEAD" else {
                return Self.response(ServiceError.methodNotAllowed(path, allow: "GET, HEAD"))
            }
            return get(self)
        }
        if SoftLabelService.endpointPaths.contains(path) {
            guard request.method == "POST" else { return Self.response(ServiceError.methodNotAllowed(path, allow: "POST")) }
            if let error = Routes.checkJSONContentType(request.headers["content-type"]) { return Self.response(error) }
            return Self.response(service.call(path, body: request.body))
        }
        if let response = OpenInferenceRoutes.route(request, self) { return response }
        return Self.response(.notFound(path))
    }

    static func response(_ r: ServiceResponse) -> HTTPResponse {
        var headers = HTTPHeaders([("Content-Type", r.contentType)])
        for (name, value) in r.headers { headers.add(name: name, value: value) }
        return HTTPResponse(status: r.status, headers: headers, body: r.body)
    }

    static func response(_ e: ServiceError) -> HTTPResponse { response(ServiceResponse(e)) }
}

enum Routes {
    typealias GetRoute = @Sendable (ServiceHTTPHandler) -> HTTPResponse

    static let getRoutes: [String: GetRoute] = [
        "/healthz": { _ in json(200, #"{"status":"ok"}"#) },
        "/readyz": { handler in
            handler.isReady()
                ? json(200, #"{"status":"ready"}"#)
                : ServiceHTTPHandler.response(ServiceError(status: 503, code: "draining",
                                                           message: "the server is shutting down and takes no new work; retry on another replica",
                                                           headers: [("Retry-After", "1")]))
        },
        "/metrics": { handler in
            HTTPResponse(status: 200, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"], body: handler.metrics.render())
        },
        "/openapi.yaml": { _ in
            HTTPResponse(status: 200, headers: ["Content-Type": "application/yaml"], body: OpenAPISpec.yaml)
        },
    ]

    /// Every path the router knows (the metrics' route label).
    static var known: Set<String> { Set(getRoutes.keys).union(SoftLabelService.endpointPaths) }

    static func json(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Array(text.utf8))
    }

    /// A missing Content-Type is read as JSON; any other media type than application/json is 415.
    static func checkJSONContentType(_ value: String?) -> ServiceError? {
        guard let value else { return nil }
        let mediaType = value.split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces.lowercased() } ?? ""
        if mediaType == "application/json" { return nil }
        return ServiceError(status: 415, code: "unsupported_media_type",
                            message: "Content-Type \(value) is not supported; send the body as application/json")
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}

extension ServiceError {
    static func methodNotAllowed(_ path: String, allow: String) -> ServiceError {
        ServiceError(status: 405, code: "method_not_allowed", message: "\(path) accepts \(allow)", headers: [("Allow", allow)])
    }
}

/// `X-Request-Id`: the client's value when it is 1-128 visible ASCII characters, else a new
/// random 16-hex-digit id.
enum RequestID {
    static func from(_ value: String?) -> String {
        if let value, (1...128).contains(value.utf8.count), value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            return value
        }
        var g = SystemRandomNumberGenerator()
        let n = g.next() as UInt64
        let hex = String(n, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
