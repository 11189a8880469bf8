import SoftLabelHTTP

/// Every route the server answers, one row each (method, path pattern, metrics label, action).
/// `Router`, the 405 `Allow` header, the 404, the metrics labels and the route/spec test
/// (`openapi.yaml` must list exactly these) all read this table.
///
/// Where a request runs is decided per request from its decoded sizes (`Prepared.work`'s cost;
/// see `ServiceHTTPHandler`), not per row.
enum RouteTable {
    static let all: [Route] = operations + v1 + openInference + page

    /// Operations: health, readiness, metrics, the spec.
    static let operations: [Route] = [
        Route(.get, "/healthz") { _ in .response(.json(#"{"status":"ok"}"#)) },
        Route(.get, "/readyz") { input in
            .response(input.context.isReady() ? .json(#"{"status":"ready"}"#) : ServiceResponse(input.context.draining))
        },
        Route(.get, "/metrics") { input in
            .response(ServiceResponse(contentType: "text/plain; version=0.0.4; charset=utf-8", body: input.context.metrics?.render() ?? []))
        },
        Route(.get, "/openapi.yaml") { _ in .response(ServiceResponse(contentType: "application/yaml", body: OpenAPISpec.yaml)) },
    ]

    /// The v1 JSON endpoints.
    static let v1: [Route] = [
        Route(.post, "/v1/smooth") { try SmoothEndpoint.prepare($0.body, RequestDecoding($0.configuration)) },
        Route(.post, "/v1/loss") { try LossEndpoint.prepare($0.body, RequestDecoding($0.configuration)) },
        Route(.post, "/v1/calibration") { try CalibrationEndpoint.prepare($0.body, RequestDecoding($0.configuration)) },
        Route(.post, "/v1/calibration/merge") { try CalibrationMergeEndpoint.prepare($0.body, RequestDecoding($0.configuration)) },
        Route(.post, "/v1/temperature") { try TemperatureEndpoint.prepare($0.body, RequestDecoding($0.configuration)) },
        Route(.post, "/v1/reliability-diagram") { try ReliabilityDiagramEndpoint.prepare($0.body, RequestDecoding($0.configuration)) },
    ] + representation

    /// Wave 2: penultimate-layer features (RepresentationEndpoint.swift).
    static let representation: [Route] = [
        Route(.post, "/v1/representation") { try RepresentationEndpoint.prepare($0.body, RequestDecoding($0.configuration)) },
        Route(.post, "/v1/representation/merge") { try RepresentationMergeEndpoint.prepare($0.body, RequestDecoding($0.configuration)) },
        Route(.post, "/v1/projection-diagram") { try ProjectionDiagramEndpoint.prepare($0.body, RequestDecoding($0.configuration)) },
    ]

    /// The Open Inference Protocol (KServe V2, Triton's binary tensor extension); each model
    /// route also answers under `/versions/1`.
    static let openInference: [Route] = [
        Route(.get, "/v2") { .response(.json(OpenInferenceRoutes.serverMetadata($0.configuration))) },
        Route(.get, "/v2/health/live") { _ in .response(.json(#"{"live":true}"#)) },
        Route(.get, "/v2/health/ready") { input in
            .response(input.context.isReady() ? .json(#"{"ready":true}"#) : ServiceResponse(input.context.draining))
        },
    ] + versioned("/v2/models/{model}", .get, OpenInferenceRoutes.metadata)
        + versioned("/v2/models/{model}/ready", .get, OpenInferenceRoutes.ready)
        + versioned("/v2/models/{model}/infer", .post, body: .jsonOrBinaryTensors, OpenInferenceRoutes.infer)

    /// A model route and its `/versions/{version}` twin, under one metrics label.
    private static func versioned(_ pattern: String, _ method: Route.Method, body: Route.BodyTypes = .json,
                                  _ action: @escaping @Sendable (RouteInput) throws -> Prepared) -> [Route] {
        let model = "/v2/models/{model}"
        let versionedPattern = model + "/versions/{version}" + pattern.dropFirst(model.count)
        return [Route(method, pattern, body: body, action),
                Route(method, versionedPattern, label: pattern, body: body, action)]
    }

    /// The page (issue 16): `GET /` answers one self-contained HTML document (`Page`); its
    /// example's `.npy` files are under `/examples/` (`PageExamples`).
    static let page: [Route] = [
        Route(.get, "/") { _ in .response(Page.response) },
        Route(.get, "/examples/{file}") { .response(try PageExamples.response($0.parameters["file"])) },
    ]

    /// The paths of the v1 POST endpoints (what `softlabel call` lists).
    static var v1Paths: [String] { v1.map(\.pattern.text) }
}

extension ServiceResponse {
    static func json(_ text: String) -> ServiceResponse { ServiceResponse(body: Array(text.utf8)) }
}
