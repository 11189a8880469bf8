import SoftLabelHTTP
import SoftLabelKernels
import SoftLabelWire

/// The service: resolves a request in the route table, decodes and validates it, computes, and
/// returns the response. The HTTP server and `softlabel call` both come through here, so a batch
/// job without a server computes exactly what the server would answer.
public struct SoftLabelService: Sendable {
    public let configuration: ServiceConfiguration

    /// The release (also `openapi.yaml`'s `info.version` and `GET /v2`'s `version`).
    public static let version = "0.1.0"

    public init(configuration: ServiceConfiguration = ServiceConfiguration()) {
        self.configuration = configuration
    }

    /// The v1 compute endpoints' paths (what `softlabel call` accepts besides `/v2/...`).
    public static var endpointPaths: [String] { RouteTable.v1Paths }

    /// Runs the POST endpoint at `path` (`/v1/...` or `/v2/models/{m}/infer`) on a JSON body: the
    /// HTTP API minus HTTP.
    public func call(_ path: String, body: [UInt8], headers: HTTPHeaders = HTTPHeaders()) -> ServiceResponse {
        let request = HTTPRequest(method: "POST", target: path, headers: headers, body: body)
        switch Router.shared.resolve(method: "POST", path: path) {
        case .failure(let error): return ServiceResponse(error)
        case .route(let route, let parameters):
            if let error = ServiceHTTPHandler.checkMediaType(route.bodyTypes, headers["content-type"]) { return ServiceResponse(error) }
            let context = ServiceContext(service: self, metrics: nil, isReady: { true }, retryAfterSeconds: 1)
            return execute(route, RouteInput(request: request, parameters: parameters, context: context))
        }
    }

    /// `POST /v2/models/{model}/infer` minus HTTP: a JSON inference request, or with
    /// `inferenceHeaderContentLength` a JSON header followed by binary tensors.
    public func infer(model name: String, body: [UInt8], inferenceHeaderContentLength: Int? = nil) -> ServiceResponse {
        var headers = HTTPHeaders()
        if let length = inferenceHeaderContentLength {
            headers.add(name: "Content-Type", value: "application/octet-stream")
            headers.add(name: "Inference-Header-Content-Length", value: String(length))
        }
        return call("/v2/models/\(name)/infer", body: body, headers: headers)
    }

    /// Decodes and computes in one go (a large body on the compute pool, or `call`).
    func execute(_ route: Route, _ input: RouteInput) -> ServiceResponse {
        Self.finish(prepare(route, input))
    }

    /// A prepared answer, with its work (if any) done on the calling thread.
    static func finish(_ prepared: Prepared) -> ServiceResponse {
        switch prepared {
        case .response(let response): return response
        case .work(_, let work): return run(work)
        }
    }

    /// Checks the body's size (once, for every route), then runs the route's action; any error
    /// becomes a response through the one mapping (`ServiceError(mapping:)`).
    func prepare(_ route: Route, _ input: RouteInput) -> Prepared {
        guard input.body.count <= configuration.maxBodyBytes else {
            return .response(ServiceResponse(.bodyTooLarge(input.body.count, limit: configuration.maxBodyBytes)))
        }
        do {
            return try route.action(input)
        } catch {
            return .response(ServiceResponse(ServiceError(mapping: error)))
        }
    }

    static func run(_ work: @Sendable () throws -> ServiceResponse) -> ServiceResponse {
        do {
            return try work()
        } catch {
            return ServiceResponse(ServiceError(mapping: error))
        }
    }
}
