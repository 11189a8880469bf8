import SoftLabelKernels
import SoftLabelWire

/// A model of the Open Inference Protocol: one of the v1 compute endpoints seen as a model with
/// named input tensors, scalar options in the request's `parameters`, and named output tensors.
struct InferenceModel: Sendable {
    /// What a model's run produced: its outputs (all it computed, in default order) and response
    /// parameters.
    struct Result {
        var outputs: [OutputTensor]
        var parameters: [(String, InferenceResponse.Parameter)] = []
    }

    /// A model's request decoded and validated: its cost (element-operations) and the work.
    struct Prepared {
        var cost: Int
        var compute: @Sendable () throws -> Result
    }

    typealias Run = @Sendable (_ inputs: ModelInputs, _ parameters: InferenceParameters, _ requested: Set<String>?,
                               _ decoding: RequestDecoding) throws -> Prepared

    let name: String
    /// One sentence for the metadata.
    let summary: String
    let inputs: [TensorSpec]
    let outputs: [TensorSpec]
    /// The request `parameters` the model reads (the v1 fields that are scalars).
    let parameters: [String]
    /// Outputs returned only when requested by name (e.g. calibration's `state`).
    var onRequestOnly: Set<String> = []
    /// Decodes and validates the inputs and returns the work that computes the outputs; `requested` is nil when the request names none (then the model
    /// returns its default outputs), else the names asked for (the model computes at least those).
    let run: Run

    /// `GET /v2/models/{m}`: name, versions, platform, inputs and outputs (−1 for variable
    /// dimensions); plus, beyond the protocol, the parameters it reads and a description of each
    /// tensor (clients ignore fields they do not know).
    func metadataJSON() -> [UInt8] {
        var w = JSONWriter(capacity: 2048)
        w.beginObject()
        w.key("name"); w.writeString(name)
        w.key("versions")
        w.beginArray(); w.writeString(OpenInferenceModels.version); w.endArray()
        w.key("platform"); w.writeString(OpenInferenceModels.platform)
        w.key("description"); w.writeString(summary)
        for (key, specs) in [("inputs", inputs), ("outputs", outputs)] {
            w.key(key)
            w.beginArray()
            for spec in specs {
                w.beginObject()
                w.key("name"); w.writeString(spec.name)
                w.key("datatype"); w.writeString(spec.datatype.rawValue)
                w.key("shape")
                w.beginArray()
                for d in spec.shape { w.writeInt(d) }
                w.endArray()
                if key == "inputs" {
                    w.key("optional"); w.writeBool(spec.optional)
                }
                w.key("description"); w.writeString(spec.description)
                w.endObject()
            }
            w.endArray()
        }
        w.key("parameters")
        w.beginArray()
        for p in parameters { w.writeString(p) }
        w.endArray()
        w.endObject()
        return w.bytes
    }
}

/// The models, their version and platform.
enum OpenInferenceModels {
    static let all: [InferenceModel] = [SmoothModel.model, LossModel.model, CalibrationModel.model, TemperatureModel.model,
                                         RepresentationModel.model]
    /// Every model has one version.
    static let version = "1"
    static let platform = "softlabel"

    static func named(_ name: String) -> InferenceModel? { all.first { $0.name == name } }
}

/// A request's input tensors as one model reads them: each accessor checks the tensor against the
/// model's spec (datatype, number of dimensions, limits) and returns its values, or nil when the
/// request does not have it. Binary FP32 data is copied once, from the body into the matrix.
struct ModelInputs {
    let request: InferenceRequest
    let model: InferenceModel
    let decoding: RequestDecoding

    /// A B×K (or K×K) FP32 input as a `Matrix`.
    func matrix(_ name: String) throws -> Matrix? {
        guard let tensor = try tensor(name, rank: 2) else { return nil }
        let (rows, columns) = (tensor.shape[0], tensor.shape[1])
        guard rows > 0, columns > 0 else {
            throw ServiceError(status: 422, code: "shape_mismatch",
                               message: "input \"\(name)\" has shape \(tensor.shape): it needs at least one row and one column",
                               path: JSONPath.key("shape", in: tensor.path))
        }
        try decoding.checkLimits(rows: rows, columns: columns, path: name)
        switch tensor.content {
        case .floats(let values): return Matrix(rows: rows, columns: columns, values: values)
        case .binary(let raw): return try BinaryTensors.matrix(raw, rows: rows, columns: columns, path: name)
        case .integers, .undecoded: throw undecodable(tensor)
        }
    }

    /// A 1-D FP32 input.
    func floats(_ name: String) throws -> [Float]? {
        guard let tensor = try tensor(name, rank: 1) else { return nil }
        switch tensor.content {
        case .floats(let values): return values
        case .binary(let raw): return try BinaryTensors.floats(raw, expectedCount: tensor.elementCount, path: name)
        case .integers, .undecoded: throw undecodable(tensor)
        }
    }

    /// A 1-D INT64 or INT32 input.
    func integers(_ name: String) throws -> [Int]? {
        guard let tensor = try tensor(name, rank: 1) else { return nil }
        switch tensor.content {
        case .integers(let values): return values
        case .binary(let raw):
            let datatype: BinaryTensors.Datatype = tensor.datatype == .int32 ? .int32 : .int64
            return try BinaryTensors.integers(raw, datatype: datatype, expectedCount: tensor.elementCount, path: name)
        case .floats, .undecoded: throw undecodable(tensor)
        }
    }

    /// 422 for a required input the request lacks.
    func missing(_ name: String, _ why: String) -> ServiceError {
        ServiceError(status: 422, code: "missing_field", message: "missing input tensor \"\(name)\": \(why)", path: name)
    }

    /// The input `name` checked against its spec: datatype and number of dimensions.
    private func tensor(_ name: String, rank: Int) throws(ServiceError) -> InputTensor? {
        guard let tensor = request.input(name) else { return nil }
        guard let spec = model.inputs.first(where: { $0.name == name }) else { return nil }
        guard spec.datatypes.contains(tensor.datatype) else {
            throw ServiceError(status: 422, code: "invalid_type",
                               message: "input \"\(name)\" must be \(spec.datatypeList), got \(tensor.datatype.rawValue)",
                               path: JSONPath.key("datatype", in: tensor.path))
        }
        guard tensor.shape.count == rank else {
            throw ServiceError(status: 422, code: "shape_mismatch",
                               message: "input \"\(name)\" must have shape \(spec.shapeText) (\(rank) dimension\(rank == 1 ? "" : "s")), got \(tensor.shape)",
                               path: JSONPath.key("shape", in: tensor.path))
        }
        return tensor
    }

    private func undecodable(_ tensor: InputTensor) -> ServiceError {
        ServiceError(status: 422, code: "invalid_type", message: "input \"\(tensor.name)\" has data that does not match its datatype \(tensor.datatype.rawValue)",
                     path: JSONPath.key("data", in: tensor.path))
    }
}
