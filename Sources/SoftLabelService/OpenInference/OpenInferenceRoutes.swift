import SoftLabelHTTP
import SoftLabelWire

/// The Open Inference Protocol's HTTP routes (KServe V2; Triton's `binary_tensor_data` extension):
///
/// | route | |
/// |---|---|
/// | `GET /v2` | server metadata: name, version, extensions, models, limits |
/// | `GET /v2/health/live`, `/v2/health/ready` | 200; ready is 503 while draining, like `/readyz` |
/// | `GET /v2/models/{m}[/versions/1]` | model metadata |
/// | `GET /v2/models/{m}[/versions/1]/ready` | 200 (503 while draining) |
/// | `POST /v2/models/{m}[/versions/1]/infer` | inference |
///
/// Unknown models and versions are 404, other methods 405 with `Allow`. An inference body is
/// `application/json` (also when no Content-Type is sent) or, with binary tensors,
/// `application/octet-stream` with `Inference-Header-Content-Length`; any other type is 415.
enum OpenInferenceRoutes {
    /// The server's name and version in `GET /v2` (the version of `openapi.yaml`).
    static let serverName = "softlabel"
    static let serverVersion = "0.1.0"
    static let extensions = ["binary_tensor_data"]

    /// The response for a `/v2` path, or nil for any other path.
    static func route(_ request: HTTPRequest, _ handler: ServiceHTTPHandler) -> HTTPResponse? {
        let path = request.path
        guard path == "/v2" || path.hasPrefix("/v2/") else { return nil }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        switch segments.count {
        case 1:
            return get(request) { json(serverMetadata(handler.service.configuration)) }
        case 3 where segments[1] == "health" && segments[2] == "live":
            return get(request) { json(#"{"live":true}"#) }
        case 3 where segments[1] == "health" && segments[2] == "ready":
            return get(request) { handler.isReady() ? json(#"{"ready":true}"#) : draining() }
        default:
            break
        }
        guard segments.count >= 3, segments[1] == "models" else { return error(.notFound(path)) }
        guard let model = OpenInferenceModels.named(segments[2]) else { return error(.unknownModel(segments[2])) }
        var rest = segments[3...]
        if rest.first == "versions" {
            guard rest.count >= 2 else { return error(.notFound(path)) }
            let version = rest[rest.startIndex + 1]
            guard version == OpenInferenceModels.version else {
                return error(ServiceError(status: 404, code: "model_not_found",
                                          message: "model \"\(model.name)\" has no version \"\(version)\"; its only version is \"\(OpenInferenceModels.version)\""))
            }
            rest = rest.dropFirst(2)
        }
        switch Array(rest) {
        case []:
            return get(request) { HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: model.metadataJSON()) }
        case ["ready"]:
            return get(request) { handler.isReady() ? json(#"{"name":"\#(model.name)","ready":true}"#) : draining() }
        case ["infer"]:
            guard request.method == "POST" else { return error(.methodNotAllowed(path, allow: "POST")) }
            return infer(request, model: model, handler: handler)
        default:
            return error(.notFound(path))
        }
    }

    /// The metrics' route label for a `/v2` path (model names are a fixed set), or nil.
    static func metricsLabel(_ path: String) -> String? {
        if path == "/v2" || path == "/v2/health/live" || path == "/v2/health/ready" { return path }
        guard path.hasPrefix("/v2/models/") else { return nil }
        for suffix in ["/infer", "/ready"] where path.hasSuffix(suffix) { return "/v2/models/{model}" + suffix }
        return "/v2/models/{model}"
    }

    private static func infer(_ request: HTTPRequest, model: InferenceModel, handler: ServiceHTTPHandler) -> HTTPResponse {
        let contentType = request.headers["content-type"]
        let mediaType = contentType.map { $0.split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces.lowercased() } ?? "" }
        if let mediaType, mediaType != "application/json", mediaType != "application/octet-stream" {
            return error(ServiceError(status: 415, code: "unsupported_media_type",
                                      message: "Content-Type \(contentType!) is not supported; send application/json, or application/octet-stream with Inference-Header-Content-Length for binary tensors"))
        }
        let headerLength: Int?
        switch inferenceHeaderContentLength(request.headers) {
        case .success(let length): headerLength = length
        case .failure(let e): return error(e)
        }
        if mediaType == "application/octet-stream", headerLength == nil {
            return error(ServiceError(status: 400, code: "missing_header",
                                      message: "an application/octet-stream inference request needs Inference-Header-Content-Length: the byte length of its JSON header"))
        }
        return ServiceHTTPHandler.response(handler.service.infer(model: model.name, body: request.body, inferenceHeaderContentLength: headerLength))
    }

    /// `Inference-Header-Content-Length`: absent, or one decimal byte count (repeated fields must agree).
    static func inferenceHeaderContentLength(_ headers: HTTPHeaders) -> Result<Int?, ServiceError> {
        let values = headers.values(for: "inference-header-content-length").map { Substring($0).trimmingSpaces }
        guard let first = values.first else { return .success(nil) }
        guard values.allSatisfy({ $0 == first }), !first.isEmpty, first.count <= 18,
              first.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let length = Int(first) else {
            return .failure(ServiceError(status: 400, code: "bad_header",
                                         message: "Inference-Header-Content-Length must be one decimal byte count (the JSON header's length), got \(values.map { "\"\($0)\"" }.joined(separator: ", "))"))
        }
        return .success(length)
    }

    /// `GET /v2`: the protocol's server metadata plus the models and the configured limits.
    static func serverMetadata(_ c: ServiceConfiguration) -> String {
        var w = JSONWriter(capacity: 512)
        w.beginObject()
        w.key("name"); w.writeString(serverName)
        w.key("version"); w.writeString(serverVersion)
        w.key("extensions")
        w.beginArray()
        for e in extensions { w.writeString(e) }
        w.endArray()
        w.key("models")
        w.beginArray()
        for m in OpenInferenceModels.all { w.writeString(m.name) }
        w.endArray()
        w.key("limits")
        w.beginObject()
        w.key("max_body_bytes"); w.writeInt(c.maxBodyBytes)
        w.key("max_elements"); w.writeInt(c.maxElements)
        w.key("max_classes"); w.writeInt(c.maxClasses)
        w.endObject()
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    private static func get(_ request: HTTPRequest, _ respond: () -> HTTPResponse) -> HTTPResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            return error(.methodNotAllowed(request.path, allow: "GET, HEAD"))
        }
        return respond()
    }

    private static func json(_ text: String) -> HTTPResponse { Routes.json(200, text) }

    private static func error(_ e: ServiceError) -> HTTPResponse { ServiceHTTPHandler.response(e) }

    private static func draining() -> HTTPResponse {
        error(ServiceError(status: 503, code: "draining", message: "the server is shutting down and takes no new work; retry on another replica",
                           headers: [("Retry-After", "1")]))
    }
}
