import SoftLabelHTTP

/// One row of the route table: a method, a path pattern, the metrics label and what it does.
/// The router, the `Allow` header of a 405, the 404 and the metrics' `route` label all read the
/// same rows (`RouteTable.all`), so adding an endpoint is adding a row.
struct Route: Sendable {
    enum Method: String, Sendable {
        /// GET, and HEAD answered as GET (RFC 9110 §9.3.2).
        case get = "GET, HEAD"
        case post = "POST"

        func accepts(_ method: String) -> Bool {
            switch self {
            case .get: method == "GET" || method == "HEAD"
            case .post: method == "POST"
            }
        }
    }

    let method: Method
    let pattern: PathPattern
    /// The metrics' `route` label: the pattern as written, e.g. "/v2/models/{model}/infer".
    let label: String
    /// The media types a POST body may have (`nil` Content-Type is read as the first).
    let bodyTypes: BodyTypes
    let action: @Sendable (RouteInput) throws -> Prepared

    init(_ method: Method, _ pattern: String, label: String? = nil, body: BodyTypes = .json,
         _ action: @escaping @Sendable (RouteInput) throws -> Prepared) {
        self.method = method
        self.pattern = PathPattern(pattern)
        self.label = label ?? pattern
        self.bodyTypes = method == .get ? .none : body
        self.action = action
    }

    /// Which request bodies a route reads.
    enum BodyTypes: Sendable {
        case none
        /// `application/json` (also when no Content-Type is sent); anything else is 415.
        case json
        /// `application/json`, or `application/octet-stream` with the Open Inference binary
        /// tensor extension (`Inference-Header-Content-Length`).
        case jsonOrBinaryTensors
    }
}

/// A path pattern: literal segments and `{model}`, `{version}` parameters. A `{model}` segment
/// matches any single segment (the route's action checks the name, so that an unknown model is a
/// 404 that names the models rather than a generic one).
struct PathPattern: Sendable, Equatable {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    let text: String
    let segments: [Segment]

    init(_ text: String) {
        self.text = text
        segments = text.split(separator: "/").map { s in
            s.hasPrefix("{") && s.hasSuffix("}") ? .parameter(String(s.dropFirst().dropLast())) : .literal(String(s))
        }
    }

    var isLiteral: Bool { !segments.contains { if case .parameter = $0 { true } else { false } } }

    /// The parameters bound by `path`, or nil when it does not match.
    func match(_ path: [Substring]) -> [String: String]? {
        guard path.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, path) {
            switch segment {
            case .literal(let text): guard part == text else { return nil }
            case .parameter(let name): parameters[name] = String(part)
            }
        }
        return parameters
    }
}

/// What a route's action sees: the request, the path's parameters and the service.
struct RouteInput {
    let request: HTTPRequest
    let parameters: [String: String]
    let context: ServiceContext

    var body: [UInt8] { request.body }
    var configuration: ServiceConfiguration { context.service.configuration }
}

/// Everything a route needs besides the request: the service's limits, its readiness and metrics.
struct ServiceContext: Sendable {
    let service: SoftLabelService
    let metrics: ServiceMetrics?
    let isReady: @Sendable () -> Bool
    /// The `Retry-After` of every 503 (the HTTP configuration's `retryAfterSeconds`).
    let retryAfterSeconds: Int

    /// 503 while the server drains.
    var draining: ServiceError { .draining(retryAfterSeconds: retryAfterSeconds) }
}

/// A route's answer before the work: a response now, or the work with its cost, known from the
/// decoded sizes (never from scanning bytes), so the handler can decide where to run it.
enum Prepared {
    case response(ServiceResponse)
    /// `cost` is the work in element-operations (≈ floats touched); `run` computes the response.
    case work(cost: Int, run: @Sendable () throws -> ServiceResponse)

    /// A JSON or SVG body computed by `encode`.
    static func compute(cost: Int, contentType: String = "application/json",
                        _ encode: @escaping @Sendable () throws -> [UInt8]) -> Prepared {
        .work(cost: cost) { ServiceResponse(contentType: contentType, body: try encode()) }
    }
}

extension Int {
    /// A sum of costs that saturates instead of trapping.
    func addingSaturating(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }

    /// Products of sizes for a cost estimate: saturating, never trapping (a cost is a decision
    /// aid; the sizes themselves were checked against the limits).
    static func cost(_ factors: Int...) -> Int {
        var product = 1
        for f in factors {
            let (p, overflow) = product.multipliedReportingOverflow(by: Swift.max(0, f))
            if overflow { return .max }
            product = p
        }
        return product
    }
}
