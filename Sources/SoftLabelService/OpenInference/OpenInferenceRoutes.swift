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
/// The routes themselves are rows of `RouteTable.openInference`; these are their actions.
/// Unknown models and versions are 404, other methods 405 with `Allow`. An inference body is
/// `application/json` (also when no Content-Type is sent) or, with binary tensors,
/// `application/octet-stream` with `Inference-Header-Content-Length`; any other type is 415.
enum OpenInferenceRoutes {
    /// The server's name and version in `GET /v2` (the version of `openapi.yaml`).
    static let serverName = "softlabel"
    static let serverVersion = SoftLabelService.version
    static let extensions = ["binary_tensor_data"]

    /// The model named by the route's `{model}` (and `{version}`, when given), or a 404.
    static func model(_ input: RouteInput) throws(ServiceError) -> InferenceModel {
        try model(parameters: input.parameters).get()
    }

    /// The `{model}` and `{version}` of a matched path; a route without them is not checked.
    static func model(parameters: [String: String]) -> Result<InferenceModel, ServiceError> {
        guard let name = parameters["model"] else { return .success(OpenInferenceModels.all[0]) }
        guard let model = OpenInferenceModels.named(name) else { return .failure(.unknownModel(name)) }
        if let version = parameters["version"], version != OpenInferenceModels.version {
            return .failure(ServiceError(status: 404, code: "model_not_found",
                               message: "model \"\(model.name)\" has no version \"\(version)\"; its only version is \"\(OpenInferenceModels.version)\""))
        }
        return .success(model)
    }

    /// `GET /v2/models/{m}`: the model's metadata.
    static func metadata(_ input: RouteInput) throws -> Prepared {
        .response(ServiceResponse(body: try model(input).metadataJSON()))
    }

    /// `GET /v2/models/{m}/ready`: 200, or 503 while draining.
    static func ready(_ input: RouteInput) throws -> Prepared {
        let model = try model(input)
        return .response(input.context.isReady() ? .json(#"{"name":"\#(model.name)","ready":true}"#) : ServiceResponse(input.context.draining))
    }

    /// `POST /v2/models/{m}/infer`: JSON, or a JSON header and binary tensors.
    static func infer(_ input: RouteInput) throws -> Prepared {
        let model = try model(input)
        let headers = input.request.headers
        let binary = headers["content-type"].map { $0.split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces.lowercased() } == "application/octet-stream" } ?? false
        let headerLength = try inferenceHeaderContentLength(headers).get()
        if binary, headerLength == nil {
            throw ServiceError(status: 400, code: "missing_header",
                               message: "an application/octet-stream inference request needs Inference-Header-Content-Length: the byte length of its JSON header")
        }
        return try OpenInferenceEndpoint.prepare(model, input.body, inferenceHeaderContentLength: headerLength,
                                                 decoding: RequestDecoding(input.configuration))
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
}
