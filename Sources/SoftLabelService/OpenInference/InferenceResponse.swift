import SoftLabelWire

/// Writes an inference response (KServe V2 `$inference_response`):
///
/// ```
/// {"model_name": "loss", "model_version": "1", "id": "...", "parameters": {...},
///  "outputs": [{"name", "datatype", "shape", "data"} or {..., "parameters": {"binary_data_size": n}}]}
/// ```
///
/// With at least one binary output the body is that JSON followed by the outputs' bytes in
/// order, the response says `Content-Type: application/octet-stream` and
/// `Inference-Header-Content-Length: <JSON bytes>` (Triton's `binary_tensor_data` extension);
/// otherwise it is the JSON alone, `application/json`.
struct InferenceResponse {
    /// A response parameter: extra facts about the result (non-tensor), e.g. `smoothing`.
    enum Parameter {
        case string(String)
        case int(Int)
        case float(Float)
    }

    var model: String
    var id: String?
    var parameters: [(String, Parameter)] = []
    /// Outputs in response order, each with whether it goes in binary.
    var outputs: [(tensor: OutputTensor, binary: Bool)] = []

    /// The response's bytes. A BYTES output asked for in binary whose elements do not all fit the
    /// binary form's 4-byte length (`maxBinaryElementBytes`, 4 GiB − 1; a representation
    /// `state` of ~6·10⁸ K·D cells, reachable only with `--max-response-bytes` raised ~500-fold)
    /// is written as JSON `data` instead, which clients of the binary extension read as well
    /// (an output without `binary_data_size` carries its `data`), rather than trap or truncate.
    func serviceResponse(maxBinaryElementBytes: Int = Int(UInt32.max)) -> ServiceResponse {
        var response = self
        response.outputs = outputs.map { output in
            guard output.binary, case .bytes(let elements) = output.tensor.data,
                  elements.contains(where: { $0.count > maxBinaryElementBytes }) else { return output }
            return (output.tensor, false)
        }
        return response.encoded()
    }

    private func encoded() -> ServiceResponse {
        let jsonBytes = outputs.reduce(0) { $0 + ($1.binary ? 0 : OutputTensor.jsonByteEstimate($1.tensor)) }
        let binaryBytes = outputs.reduce(0) { $0 + ($1.binary ? $1.tensor.binaryByteCount : 0) }
        var w = JSONWriter(capacity: 256 + 96 * outputs.count + jsonBytes)
        w.beginObject()
        w.key("model_name"); w.writeString(model)
        w.key("model_version"); w.writeString(OpenInferenceModels.version)
        if let id {
            w.key("id"); w.writeString(id)
        }
        if !parameters.isEmpty {
            w.key("parameters")
            w.beginObject()
            for (name, value) in parameters {
                w.key(name)
                switch value {
                case .string(let s): w.writeString(s)
                case .int(let i): w.writeInt(i)
                case .float(let f): w.writeFloat(f)
                }
            }
            w.endObject()
        }
        w.key("outputs")
        w.beginArray()
        for (tensor, binary) in outputs {
            w.beginObject()
            w.key("name"); w.writeString(tensor.name)
            w.key("datatype"); w.writeString(tensor.datatype.rawValue)
            w.key("shape")
            w.beginArray()
            for d in tensor.shape { w.writeInt(d) }
            w.endArray()
            if binary {
                w.key("parameters")
                w.beginObject()
                w.key("binary_data_size"); w.writeInt(tensor.binaryByteCount)
                w.endObject()
            } else {
                w.key("data")
                tensor.writeJSON(&w)
            }
            w.endObject()
        }
        w.endArray()
        w.endObject()
        guard outputs.contains(where: \.binary) else {
            return ServiceResponse(body: w.bytes)
        }
        let headerLength = w.bytes.count
        var body = w.bytes
        body.reserveCapacity(headerLength + binaryBytes)
        for (tensor, binary) in outputs where binary {
            tensor.appendBinary(to: &body)
        }
        return ServiceResponse(contentType: "application/octet-stream",
                               headers: [("Inference-Header-Content-Length", String(headerLength))], body: body)
    }
}

extension OutputTensor {
    /// Room to reserve for the JSON data (an upper bound for floats, a guess for the rest).
    static func jsonByteEstimate(_ t: OutputTensor) -> Int {
        switch t.data {
        case .fp32(let v): v.count * 16
        case .fp64(let v): v.count * 25
        case .int64(let v): v.count * 8
        case .bool(let v): v.count * 6
        case .bytes(let v): v.reduce(0) { $0 + 8 + $1.count * 2 }
        }
    }
}
