import SoftLabelWire

/// An Open Inference Protocol inference request (KServe V2 `$inference_request`), decoded from
/// its JSON header and, with the `binary_tensor_data` extension, the binary section after it:
///
/// ```
/// {"id": "...", "parameters": {...}, "inputs": [{"name", "shape", "datatype", "parameters", "data"}],
///  "outputs": [{"name", "parameters": {"binary_data": true}}]}
/// ```
///
/// Binary inputs stay views of the body: the request is valid only inside the closure that
/// holds the body's bytes.
struct InferenceRequest {
    struct RequestedOutput {
        var name: String
        /// `parameters.binary_data`; nil when not given (then `binary_data_output` decides).
        var binary: Bool?
    }

    var id: String?
    var parameters: InferenceParameters
    var inputs: [InputTensor]
    /// nil when the request names no outputs (the model's default outputs are returned).
    var outputs: [RequestedOutput]?

    static let fields = ["id", "parameters", "inputs", "outputs", "model_name", "model_version"]
    static let outputFields = ["name", "parameters"]
    /// Request parameters of the protocol itself; `priority` and `timeout` are accepted and have no
    /// effect (every request runs at once, on its own).
    static let protocolParameters = ["binary_data_output", "priority", "timeout"]

    /// A minimal inference request for `model`, shown when the body is empty.
    static func example(_ model: String) -> String {
        switch model {
        case "smooth":
            #"{"inputs": [{"name": "labels", "shape": [2], "datatype": "INT64", "data": [0, 2]}], "parameters": {"num_classes": 3, "label_smoothing": 0.1}}"#
        default:
            #"{"inputs": [{"name": "logits", "shape": [1, 3], "datatype": "FP32", "data": [2.0, 0.5, -1.0]}, {"name": "labels", "shape": [1], "datatype": "INT64", "data": [0]}]}"#
        }
    }

    /// `parameters.binary_data_output`: every output in binary unless it says otherwise.
    func binaryDataOutput() throws -> Bool { try parameters.bool("binary_data_output") ?? false }

    func input(_ name: String) -> InputTensor? { inputs.first { $0.name == name } }

    /// Decodes `body`: all of it is the JSON header unless `inferenceHeaderContentLength` splits it.
    static func decode(_ body: UnsafeRawBufferPointer, inferenceHeaderContentLength: Int?, model: String,
                       decoding: RequestDecoding) throws -> InferenceRequest {
        var header = body
        var binary: BinaryTensorReader?
        if let length = inferenceHeaderContentLength {
            let parts = try BinaryTensors.split(body, inferenceHeaderContentLength: length)
            header = parts.header
            binary = BinaryTensorReader(parts.binary)
        }
        if header.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            throw ServiceError(status: 400, code: "empty_body",
                               message: "the inference request is empty; send a JSON object such as {\"inputs\": [{\"name\": \"logits\", \"shape\": [1, 3], \"datatype\": \"FP32\", \"data\": [2.0, 0.5, -1.0]}, ...]}")
        }
        var request = InferenceRequest(id: nil, parameters: InferenceParameters(source: header, path: "parameters"), inputs: [], outputs: nil)
        var sawInputs = false
        try decoding.decodeObject(header, allowed: fields, example: example(model)) { key, reader in
            switch key {
            case "id": request.id = try reader.readString(path: key)
            case "parameters": request.parameters = try InferenceParameters.read(&reader, source: header, path: key)
            case "model_name":
                let name = try reader.readString(path: key)
                guard name == model else {
                    throw ServiceError.invalidValue(key, "model_name \"\(name)\" does not match the model in the URL, \"\(model)\"")
                }
            case "model_version":
                let version = try reader.readString(path: key)
                guard version == OpenInferenceModels.version else {
                    throw ServiceError.invalidValue(key, "model_version \"\(version)\" does not exist; the only version is \"\(OpenInferenceModels.version)\"")
                }
            case "inputs":
                sawInputs = true
                try reader.beginArray(path: key)
                while try reader.nextElement() {
                    let input = try InputTensor.read(&reader, index: request.inputs.count, header: header, binary: &binary, decoding: decoding)
                    if request.inputs.contains(where: { $0.name == input.name }) {
                        throw ServiceError.invalidValue(JSONPath.key("name", in: input.path), "input \"\(input.name)\" is given twice")
                    }
                    request.inputs.append(input)
                }
            case "outputs": request.outputs = try readOutputs(&reader, header: header)
            default: return false
            }
            return true
        }
        guard sawInputs else {
            throw ServiceError.missingField("inputs", "a list of input tensors, e.g. [{\"name\": \"logits\", \"shape\": [1, 3], \"datatype\": \"FP32\", \"data\": [2.0, 0.5, -1.0]}]")
        }
        try binary?.finish()
        return request
    }

    private static func readOutputs(_ reader: inout JSONReader, header: UnsafeRawBufferPointer) throws -> [RequestedOutput] {
        var outputs: [RequestedOutput] = []
        try reader.beginArray(path: "outputs")
        while try reader.nextElement() {
            let path = JSONPath.index(outputs.count, in: "outputs")
            var name: String?
            var parameters = InferenceParameters(source: header, path: JSONPath.key("parameters", in: path))
            try reader.beginObject(path: path)
            while let key = try reader.nextKey() {
                switch key {
                case "name": name = try reader.readString(path: JSONPath.key(key, in: path))
                case "parameters": parameters = try InferenceParameters.read(&reader, source: header, path: parameters.path)
                default:
                    throw ServiceError(status: 422, code: "unknown_field",
                                       message: "unknown field \"\(key)\" in a requested output; it accepts: \(outputFields.joined(separator: ", "))",
                                       path: JSONPath.key(key, in: path))
                }
            }
            guard let name else { throw ServiceError.missingField(JSONPath.key("name", in: path), "every requested output needs a name") }
            if parameters.contains("classification") {
                throw ServiceError.invalidValue(parameters.path("classification"),
                                                "the classification extension is not supported: softlabel's outputs are losses and metrics, not class scores")
            }
            try parameters.rejectUnknown(allowed: ["binary_data"], what: "on output \"\(name)\" (shared memory is not supported)")
            if outputs.contains(where: { $0.name == name }) {
                throw ServiceError.invalidValue(JSONPath.key("name", in: path), "output \"\(name)\" is requested twice")
            }
            outputs.append(RequestedOutput(name: name, binary: try parameters.bool("binary_data")))
        }
        return outputs
    }
}
