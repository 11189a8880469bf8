import SoftLabelKernels
import SoftLabelWire

/// `POST /v2/models/{model}/infer`: checks an inference request against its model, prepares the
/// model's work, and picks the outputs to return. Errors name their path at the start of the
/// message too (`ServiceError.namingPath`): Triton clients show only `error`.
enum OpenInferenceEndpoint {
    static func prepare(_ model: InferenceModel, _ body: [UInt8], inferenceHeaderContentLength: Int?,
                        decoding: RequestDecoding) throws -> Prepared {
        do {
            let prepared = try body.withUnsafeBytes { raw in
                try prepare(model, raw, inferenceHeaderContentLength: inferenceHeaderContentLength, decoding: decoding)
            }
            return .work(cost: prepared.cost) {
                do { return try prepared.run() } catch { throw ServiceError(mapping: error).namingPath }
            }
        } catch {
            throw ServiceError(mapping: error).namingPath
        }
    }

    /// Decodes inside the body's bytes (binary tensors are views of it); what the returned work
    /// captures are copies (matrices, labels, names), never the views.
    private static func prepare(_ model: InferenceModel, _ body: UnsafeRawBufferPointer, inferenceHeaderContentLength: Int?,
                                decoding: RequestDecoding) throws -> (cost: Int, run: @Sendable () throws -> ServiceResponse) {
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
        let prepared: InferenceModel.Prepared
        do {
            prepared = try model.run(ModelInputs(request: request, model: model, decoding: decoding), request.parameters, requested, decoding)
        } catch {
            throw parameterPath(ServiceError(mapping: error), model)
        }
        let outputs = request.outputs.map { $0.map { (name: $0.name, binary: $0.binary) } }
        let id = request.id
        return (prepared.cost, {
            let result = try prepared.compute()
            var response = InferenceResponse(model: model.name, id: id, parameters: result.parameters)
            if let outputs {
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
        })
    }

    /// The kernels and the shared v1 code name a request parameter by its v1 field
    /// (`label_smoothing`); in an inference request it lives at `parameters.label_smoothing`:
    /// the translation from the kernels' vocabulary to the protocol's.
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
