import SoftLabelHTTP

/// The service on HTTP: each request is resolved in the route table, checked (method, media
/// type, content coding), decoded and then answered on the event loop when its decoded cost is
/// small, or on the compute pool otherwise. Every response carries an `X-Request-Id`: the
/// client's (when it is a sane token) or a fresh one. Errors the HTTP layer detects itself are
/// rendered here too, in the API's JSON shape.
///
/// gzip (docs/gzip.md): a `Content-Encoding: gzip` body is inflated on the compute pool (held to
/// `maxBodyBytes`), then the request goes through exactly the path of a plain one: a new
/// `HTTPRequest` with the inflated body and no `Content-Encoding`. Responses are compressed by
/// `ResponseCompression`, on the compute pool.
public struct ServiceHTTPHandler: HTTPHandler {
    let context: ServiceContext
    let router = Router.shared
    let compression: ResponseCompression

    public init(service: SoftLabelService, metrics: ServiceMetrics, retryAfterSeconds: Int = 1,
                isReady: @escaping @Sendable () -> Bool) {
        context = ServiceContext(service: service, metrics: metrics, isReady: isReady, retryAfterSeconds: retryAfterSeconds)
        compression = ResponseCompression(minBytes: service.configuration.compressMinBytes)
    }

    /// Bodies up to this size are decoded on the event loop (decoding is linear in the body, and
    /// 16 KiB decode in microseconds); larger ones are decoded on the compute pool.
    static let inlineDecodeBytes = 16 << 10
    /// Decoded requests whose work is at most this many element-operations are computed on the
    /// event loop: a 32×10 calibration with smooth ECE's fixed FFTs, a small loss. Measured on
    /// 32×10 calibration bodies: 0.18 → 0.16 ms of server CPU per request when answered inline.
    /// Bootstrap resamples, a large `num_classes` or many merge states raise the cost past it.
    static let inlineCost = 1 << 16

    public func accept(_ request: HTTPRequest) -> HTTPHandling {
        let requestID = RequestID.from(request.headers["x-request-id"])
        let accept = AcceptEncoding(request.headers)
        let route: Route, parameters: [String: String]
        switch router.resolve(method: request.method, path: request.path) {
        case .failure(let error): return finish(.respond(Self.http(ServiceResponse(error), requestID)), accept)
        case .route(let r, let p): (route, parameters) = (r, p)
        }
        if let error = Self.checkMediaType(route.bodyTypes, request.headers["content-type"]) {
            return finish(.respond(Self.http(ServiceResponse(error), requestID)), accept)
        }
        if route.method == .post {
            switch RequestContentCoding.of(request.headers) {
            case .failure(let error):
                return finish(.respond(Self.http(ServiceResponse(error), requestID)), accept)
            case .success(.identity):
                break
            case .success(.gzip):
                let limit = context.service.configuration.maxBodyBytes
                return .compute { [self] in
                    let plain: HTTPRequest
                    do throws(GzipInflater.Failure) {
                        plain = try Self.inflated(request, limit: limit)
                    } catch {
                        return compression.apply(Self.http(ServiceResponse(.gzip(error)), requestID), accept)
                    }
                    return compression.apply(Self.here(dispatch(route, parameters, plain, requestID)), accept)
                }
            }
        }
        return finish(dispatch(route, parameters, request, requestID), accept)
    }

    /// `request` with its gzip body inflated (at most `limit` bytes) and without
    /// `Content-Encoding`; `Content-Length`, when sent, states the inflated size.
    static func inflated(_ request: HTTPRequest, limit: Int) throws(GzipInflater.Failure) -> HTTPRequest {
        var plain = request
        plain.body = try GzipInflater.inflate(request.body, limit: limit)
        plain.headers.remove(name: "content-encoding")
        if plain.headers.contains("content-length") {
            plain.headers.replaceOrAdd(name: "Content-Length", value: String(plain.body.count))
        }
        return plain
    }

    /// A routed request with an identity body: decoded and computed inline when small, else on
    /// the compute pool.
    func dispatch(_ route: Route, _ parameters: [String: String], _ request: HTTPRequest, _ requestID: String) -> HTTPHandling {
        let input = RouteInput(request: request, parameters: parameters, context: context)
        let metrics = context.metrics
        let context = self.context
        if route.method == .post, request.body.count > Self.inlineDecodeBytes {
            return .compute {
                metrics?.requestStarted()
                defer { metrics?.requestFinished() }
                return Self.http(context.service.execute(route, input), requestID)
            }
        }
        metrics?.requestStarted()
        defer { metrics?.requestFinished() }
        switch context.service.prepare(route, input) {
        case .response(let response):
            return .respond(Self.http(response, requestID))
        case .work(let cost, let run) where cost <= Self.inlineCost:
            return .respond(Self.http(SoftLabelService.run(run), requestID))
        case .work(_, let run):
            return .compute {
                metrics?.requestStarted()
                defer { metrics?.requestFinished() }
                return Self.http(SoftLabelService.run(run), requestID)
            }
        }
    }

    /// Response compression where its cost belongs: inside a `.compute` job; a response made on
    /// the event loop that is to be compressed moves to the pool for that alone.
    func finish(_ handling: HTTPHandling, _ accept: AcceptEncoding) -> HTTPHandling {
        let compression = self.compression
        switch handling {
        case .respond(let response):
            guard compression.compresses(response, accept) else { return .respond(compression.apply(response, accept)) }
            return .compute { compression.apply(response, accept) }
        case .compute(let job):
            return .compute { compression.apply(job(), accept) }
        }
    }

    /// The response of `handling` on the calling thread (already a compute thread, or a tool).
    static func here(_ handling: HTTPHandling) -> HTTPResponse {
        switch handling {
        case .respond(let response): response
        case .compute(let job): job()
        }
    }

    /// `accept`, and for work meant for the compute pool the work itself, on the calling thread:
    /// the whole answer at once (tests and tools).
    public func respond(to request: HTTPRequest) -> HTTPResponse {
        Self.here(accept(request))
    }

    /// The HTTP layer's own errors in the API's shape; the size limits carry their numbers and
    /// how to raise them.
    public var errorResponder: HTTPErrorResponder {
        let limits = context.service.configuration
        return { error in
            var message = error.message
            switch error {
            case .bodyTooLarge:
                message = "The request body is larger than the server accepts: the limit is \(limits.maxBodyBytes) bytes ; raise it with \(SettingName.both("maxBodyBytes"))."
            default: break
            }
            let e = ServiceError(status: error.status, code: error.code, message: message)
            return Self.http(ServiceResponse(e), nil)
        }
    }

    static func http(_ r: ServiceResponse, _ requestID: String?) -> HTTPResponse {
        var headers = HTTPHeaders([("Content-Type", r.contentType)])
        for (name, value) in r.headers { headers.add(name: name, value: value) }
        if let requestID { headers.add(name: "X-Request-Id", value: requestID) }
        return HTTPResponse(status: r.status, headers: headers, body: r.body)
    }

    /// A missing Content-Type is read as JSON; anything else than the route reads is 415.
    static func checkMediaType(_ accepted: Route.BodyTypes, _ value: String?) -> ServiceError? {
        guard let value else { return nil }
        let mediaType = value.split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces.lowercased() } ?? ""
        switch accepted {
        case .none: return nil
        case .json:
            if mediaType == "application/json" { return nil }
            return ServiceError(status: 415, code: "unsupported_media_type",
                                message: "Content-Type \(value) is not supported; send the body as application/json")
        case .jsonOrBinaryTensors:
            if mediaType == "application/json" || mediaType == "application/octet-stream" { return nil }
            return ServiceError(status: 415, code: "unsupported_media_type",
                                message: "Content-Type \(value) is not supported; send application/json, or application/octet-stream with Inference-Header-Content-Length for binary tensors")
        }
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
