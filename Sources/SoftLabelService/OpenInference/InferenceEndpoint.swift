import SoftLabelKernels
import SoftLabelWire

extension SoftLabelService {
    /// `POST /v2/models/{model}/infer` minus HTTP: decodes the inference request in `body` (JSON,
    /// or a JSON header of `inferenceHeaderContentLength` bytes followed by binary tensors), runs
    /// the model and returns the inference response, or the error in the API's shape
    /// (`{"error": ..., "code": ..., "path": ...}`, a superset of the protocol's `{"error": ...}`).
    public func infer(model name: String, body: [UInt8], inferenceHeaderContentLength: Int? = nil) -> ServiceResponse {
        guard let model = OpenInferenceModels.named(name) else { return ServiceResponse(.unknownModel(name)) }
        guard body.count <= configuration.maxBodyBytes else {
            return ServiceResponse(ServiceError(status: 413, code: "body_too_large",
                                                message: "the body has \(body.count) bytes; the limit is \(configuration.maxBodyBytes) (--max-body-bytes)"))
        }
        let decoding = RequestDecoding(configuration: configuration)
        do {
            return try body.withUnsafeBytes { raw in
                try OpenInferenceEndpoint.infer(model, raw, inferenceHeaderContentLength: inferenceHeaderContentLength, decoding: decoding)
            }
        } catch let error as ServiceError {
            return ServiceResponse(error.namingPath)
        } catch let error as ValidationError {
            return ServiceResponse(ServiceError(error).namingPath)
        } catch let error as JSONReadError {
            return ServiceResponse(ServiceError(error).namingPath)
        } catch {
            // Every error type the decoders and models throw is mapped above; reaching this is a bug.
            return ServiceResponse(ServiceError(status: 500, code: "internal_error", message: "internal error: \(error)"))
        }
    }
}

/// Checks an inference request against its model, runs it, and picks the outputs to return.
enum OpenInferenceEndpoint {
    static func infer(_ model: InferenceModel, _ body: UnsafeRawBufferPointer, inferenceHeaderContentLength: Int?,
                      decoding: RequestDecoding) throws -> ServiceResponse {
        let request = try InferenceRequest.decode(body, inferenceHeaderContentLength: inferenceHeaderContentLength,
                                                  model: model.name, decoding: decoding)
        for input in request.inputs where !model.inputs.contains(where: { $0.name == input.name }) {
            throw ServiceError(status: 422, code: "unknown_field",
                               message: "model \"\(model.name)\" has no input \"\(input.name)\"; its inputs are: \(model.inputs.map(\.name).joined(separator: ", "))",
                               path: JSONPath.key("name", in: input.path))
        }
        for (i, output) in (request.outputs ?? []).enumerated() where !model.outputs.contains(where: { $0.name == output.name }) {
            throw ServiceError(status: 422, code: "unknown_field",
                               message: "model \"\(model.name)\" has no output \"\(output.name)\"; its outputs are: \(model.outputs.map(\.name).joined(separator: ", "))",
                               path: JSONPath.key("name", in: JSONPath.index(i, in: "outputs")))
        }
        try request.parameters.rejectUnknown(allowed: model.parameters + InferenceRequest.protocolParameters,
                                             what: "for model \"\(model.name)\"")
        let binaryByDefault = try request.binaryDataOutput()
        let requested = request.outputs.map { Set($0.map(\.name)) }

        let result: InferenceModel.Result
        do {
            result = try model.run(ModelInputs(request: request, model: model, decoding: decoding), request.parameters, requested, decoding)
        } catch let error as ValidationError {
            throw parameterPath(ServiceError(error), model)
        } catch let error as ServiceError {
            throw parameterPath(error, model)
        }

        var response = InferenceResponse(model: model.name, id: request.id, parameters: result.parameters)
        if let outputs = request.outputs {
            for (i, output) in outputs.enumerated() {
                guard let tensor = result.outputs.first(where: { $0.name == output.name }) else {
                    throw ServiceError(status: 422, code: "invalid_value",
                                       message: "output \"\(output.name)\" is not produced for this request",
                                       path: JSONPath.key("name", in: JSONPath.index(i, in: "outputs")))
                }
                response.outputs.append((tensor, output.binary ?? binaryByDefault))
            }
        } else {
            response.outputs = result.outputs.filter { !model.onRequestOnly.contains($0.name) }.map { ($0, binaryByDefault) }
        }
        return response.serviceResponse()
    }

    /// The kernels and the shared v1 code name a request parameter by its v1 field
    /// (`label_smoothing`); in an inference request it lives at `parameters.label_smoothing`.
    static func parameterPath(_ error: ServiceError, _ model: InferenceModel) -> ServiceError {
        guard let path = error.path else { return error }
        let root = String(path.prefix { $0 != "[" && $0 != "." })
        guard model.parameters.contains(root), !model.inputs.contains(where: { $0.name == root }) else { return error }
        var mapped = error
        mapped.path = JSONPath.key(root, in: "parameters") + path.dropFirst(root.count)
        return mapped
    }
}

extension ServiceError {
    /// The error with its path at the start of the message when the message does not already
    /// name it: Triton clients show only `error`, so "logits[1][2]: values must be finite".
    var namingPath: ServiceError {
        guard let path, !message.contains(path) else { return self }
        var named = self
        named.message = "\(path): \(message)"
        return named
    }

    static func unknownModel(_ name: String) -> ServiceError {
        ServiceError(status: 404, code: "model_not_found",
                     message: "unknown model \"\(name)\"; the models are \(OpenInferenceModels.all.map(\.name).joined(separator: ", "))")
    }
}
