/// The tensor datatypes of the Open Inference Protocol (KServe V2 "Tensor Data Types"), with the
/// size of one element in the `binary_tensor_data` extension (nil for BYTES, whose elements carry
/// their own 4-byte length). softlabel reads FP32, INT64 and INT32 inputs and writes FP32, FP64,
/// INT64, BOOL and BYTES outputs; every other datatype is recognised so that the error can say
/// which one the input should have been.
enum TensorDatatype: String, CaseIterable, Sendable {
    case bool = "BOOL"
    case uint8 = "UINT8", uint16 = "UINT16", uint32 = "UINT32", uint64 = "UINT64"
    case int8 = "INT8", int16 = "INT16", int32 = "INT32", int64 = "INT64"
    case fp16 = "FP16", bf16 = "BF16", fp32 = "FP32", fp64 = "FP64"
    case bytes = "BYTES"

    /// Bytes per element in binary tensor data; nil for BYTES.
    var elementSize: Int? {
        switch self {
        case .bool, .uint8, .int8: 1
        case .uint16, .int16, .fp16, .bf16: 2
        case .uint32, .int32, .fp32: 4
        case .uint64, .int64, .fp64: 8
        case .bytes: nil
        }
    }
}

/// One input or output of a model as `GET /v2/models/{m}` lists it: name, datatype and shape,
/// with −1 for a variable dimension (B rows, K classes, bins).
struct TensorSpec: Sendable {
    var name: String
    /// The datatypes accepted (inputs) or produced (outputs); metadata lists the first.
    var datatypes: [TensorDatatype]
    /// The shape as people write it, e.g. `[B, K]`, `[K]`, `[1]`: letters are variable dimensions.
    var shapeText: String
    /// Inputs: false when the model cannot run without it (e.g. `logits`).
    var optional: Bool
    /// One sentence for the metadata's `description` (non-standard, ignored by clients).
    var description: String

    init(_ name: String, _ datatypes: [TensorDatatype], _ shapeText: String, optional: Bool = true, _ description: String) {
        self.name = name
        self.datatypes = datatypes
        self.shapeText = shapeText
        self.optional = optional
        self.description = description
    }

    var datatype: TensorDatatype { datatypes[0] }

    /// The shape with −1 for each variable (lettered) dimension: `[B, K]` is `[-1, -1]`.
    var shape: [Int] {
        shapeText.dropFirst().dropLast().split(separator: ",").map { Int($0.trimmingSpaces) ?? -1 }
    }

    /// `"FP32"` or `"INT64 or INT32"`, for error messages.
    var datatypeList: String { datatypes.map(\.rawValue).joined(separator: " or ") }
}
