import SoftLabelHTTP
import SoftLabelKernels
import SoftLabelWire

/// One entry of an inference request's `inputs`: name, datatype, shape, and its data, either
/// from JSON (`data`, flat or nested, decoded as soon as name, datatype and shape are known) or a
/// view of the binary section (`parameters.binary_data_size`), which is not copied here.
struct InputTensor {
    enum Content {
        /// FP32 data from JSON, row-major.
        case floats([Float])
        /// INT64 / INT32 data from JSON.
        case integers([Int])
        /// The tensor's bytes in the binary section (little-endian, row-major): a view of the body.
        case binary(UnsafeRawBufferPointer)
        /// JSON data of a datatype or rank no softlabel input has; never decoded (the model
        /// rejects the tensor by its datatype or shape first).
        case undecoded
    }

    var name: String
    var datatype: TensorDatatype
    var shape: [Int]
    /// The product of `shape` (checked for overflow and against the element limit).
    var elementCount: Int
    var content: Content
    /// Its place in the request, `inputs[2]`, for errors about the entry itself.
    var path: String

    static let fields = ["name", "shape", "datatype", "parameters", "data"]
    static let parameterNames = ["binary_data_size"]

    /// Reads `inputs[index]`; binary data is taken from `binary`, in request order.
    static func read(_ reader: inout JSONReader, index: Int, header: UnsafeRawBufferPointer,
                     binary: inout BinaryTensorReader?, decoding: RequestDecoding) throws -> InputTensor {
        let path = JSONPath.index(index, in: "inputs")
        var name: String?, datatypeText: String?, shape: [Int]?
        var parameters = InferenceParameters(source: header, path: JSONPath.key("parameters", in: path))
        var dataRange: Range<Int>?
        var decoded: Content?
        var unknown: String?
        try reader.beginObject(path: path)
        while let key = try reader.nextKey() {
            switch key {
            case "name": name = try reader.readString(path: JSONPath.key(key, in: path))
            case "datatype": datatypeText = try reader.readString(path: JSONPath.key(key, in: path))
            case "shape": shape = try reader.readIntArray(path: JSONPath.key(key, in: path))
            case "parameters": parameters = try InferenceParameters.read(&reader, source: header, path: parameters.path)
            case "data":
                // Decode in place when the tensor is already described (as clients write it), else
                // keep the range and decode once the object is read.
                if let name, let datatype = datatypeText.flatMap(TensorDatatype.init(rawValue:)), let shape,
                   let count = try? checkedCount(shape, path: path, decoding: decoding) {
                    decoded = try decode(&reader, name: name, datatype: datatype, shape: shape, count: count)
                } else {
                    let start = reader.offset
                    try reader.skipValue()
                    dataRange = start..<reader.offset
                }
            default:
                if unknown == nil { unknown = key }
                try reader.skipValue()
            }
        }
        if let unknown {
            throw ServiceError(status: 422, code: "unknown_field",
                               message: "unknown field \"\(unknown)\" in an input tensor; it accepts: \(fields.joined(separator: ", "))",
                               path: JSONPath.key(unknown, in: path))
        }
        guard let name else { throw ServiceError.missingField(JSONPath.key("name", in: path), "every input tensor needs a name") }
        guard let datatypeText else {
            throw ServiceError.missingField(JSONPath.key("datatype", in: path), "input \"\(name)\" needs a datatype such as \"FP32\"")
        }
        guard let datatype = TensorDatatype(rawValue: datatypeText) else {
            throw ServiceError.invalidValue(JSONPath.key("datatype", in: path),
                                            "input \"\(name)\" has datatype \"\(datatypeText)\", which is not a tensor datatype (\(TensorDatatype.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let shape else { throw ServiceError.missingField(JSONPath.key("shape", in: path), "input \"\(name)\" needs a shape such as [2, 3]") }
        let count = try checkedCount(shape, path: path, decoding: decoding)
        try parameters.rejectUnknown(allowed: parameterNames, what: "on input \"\(name)\" (shared memory and other extensions are not supported)")
        let binarySize = try parameters.int("binary_data_size")
        let content: Content
        switch (binarySize, decoded, dataRange) {
        case (let size?, nil, nil):
            content = .binary(try slice(size, of: name, datatype: datatype, count: count, binary: &binary,
                                        path: parameters.path("binary_data_size")))
        case (nil, let value?, nil):
            content = value
        case (nil, nil, let range?):
            var dataReader = JSONReader(UnsafeRawBufferPointer(rebasing: header[range]))
            content = try decode(&dataReader, name: name, datatype: datatype, shape: shape, count: count)
            try dataReader.finish()
        case (nil, nil, nil):
            throw ServiceError.missingField(JSONPath.key("data", in: path),
                                            "input \"\(name)\" has no data: give `data` or `parameters.binary_data_size` with the bytes after the JSON")
        default:
            throw ServiceError(status: 422, code: "conflicting_fields",
                               message: "input \"\(name)\" has both `data` and `parameters.binary_data_size`; send one", path: JSONPath.key("data", in: path))
        }
        return InputTensor(name: name, datatype: datatype, shape: shape, elementCount: count, content: content, path: path)
    }

    /// The element count of `shape`: dimensions ≥ 0, no overflow, within the element limit, and a
    /// second dimension within the class limit.
    static func checkedCount(_ shape: [Int], path: String, decoding: RequestDecoding) throws(ServiceError) -> Int {
        let shapePath = JSONPath.key("shape", in: path)
        var count = 1
        for (i, d) in shape.enumerated() {
            guard d >= 0 else {
                throw ServiceError.invalidValue(JSONPath.index(i, in: shapePath), "tensor dimensions must be ≥ 0, got \(d)")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, product <= decoding.configuration.maxElements else {
                throw ServiceError(status: 422, code: "too_large",
                                   message: "shape \(shape) has more than \(decoding.configuration.maxElements) elements, the limit per tensor (raise it with \(SettingName.both("maxElements")))",
                                   path: shapePath)
            }
            count = product
        }
        if shape.count == 2, shape[1] > decoding.configuration.maxClasses {
            throw ServiceError(status: 422, code: "too_large",
                               message: "shape \(shape) has \(shape[1]) classes; the limit is \(decoding.configuration.maxClasses) (raise it with \(SettingName.both("maxClasses")))",
                               path: shapePath)
        }
        return count
    }

    /// The next `size` bytes of the binary section, checked against the datatype and shape.
    private static func slice(_ size: Int, of name: String, datatype: TensorDatatype, count: Int,
                              binary: inout BinaryTensorReader?, path: String) throws -> UnsafeRawBufferPointer {
        guard binary != nil else {
            throw ServiceError(status: 400, code: "missing_binary_data",
                               message: "input \"\(name)\" has binary_data_size but the request has no binary section: send the Inference-Header-Content-Length header with the JSON's length",
                               path: path)
        }
        if let elementSize = datatype.elementSize, size != count * elementSize {
            throw ServiceError(status: 422, code: "shape_mismatch",
                               message: "input \"\(name)\" has binary_data_size \(size), but \(count) \(datatype.rawValue) elements take \(count * elementSize) bytes",
                               path: path)
        }
        return try binary!.next(byteCount: size, path: path)
    }

    /// Decodes JSON `data` for the datatypes and ranks softlabel reads: FP32 (rank 1 or 2, flat or
    /// nested) and INT64 / INT32 (rank 1, or rank 2 flat or nested); anything else is skipped.
    private static func decode(_ reader: inout JSONReader, name: String, datatype: TensorDatatype,
                               shape: [Int], count: Int) throws -> Content {
        let isInteger = datatype == .int64 || datatype == .int32
        guard (datatype == .fp32 || isInteger) && (shape.count == 1 || shape.count == 2) else {
            try reader.skipValue()
            return .undecoded
        }
        let nested = try isNested(reader)
        let content: Content
        let found: Int
        if !nested {
            if isInteger {
                let values = try reader.readIntArray(path: name)
                (content, found) = (.integers(values), values.count)
            } else {
                let values = try reader.readFloatArray(path: name)
                (content, found) = (.floats(values), values.count)
            }
        } else if shape.count == 1 {
            throw JSONReadError(kind: .shape, message: "input \"\(name)\" has shape \(shape) but nested data; give its \(count) values as one flat array",
                                offset: reader.offset, path: name)
        } else if isInteger {
            var values: [Int] = []
            values.reserveCapacity(count)
            try reader.beginArray(path: name)
            var row = 0
            while try reader.nextElement() {
                let rowPath = JSONPath.index(row, in: name)
                let elements = try reader.readIntArray(path: rowPath)
                guard elements.count == shape[1] else {
                    throw JSONReadError(kind: .shape, message: "\(rowPath) has \(elements.count) values, but shape \(shape) needs \(shape[1]) per row",
                                        offset: reader.offset, path: rowPath)
                }
                values += elements
                row += 1
            }
            (content, found) = (.integers(values), values.count)
        } else {
            let m = try reader.readFloatMatrix(path: name, maxElements: count)
            guard m.rows == shape[0], m.columns == shape[1] else {
                throw JSONReadError(kind: .shape, message: "input \"\(name)\" has data of shape [\(m.rows), \(m.columns)] but declares shape \(shape)",
                                    offset: reader.offset, path: name)
            }
            (content, found) = (.floats(m.values), m.count)
        }
        guard found == count else {
            throw JSONReadError(kind: .shape, message: "input \"\(name)\" has \(found) values in `data`, but shape \(shape) needs \(count)",
                                offset: reader.offset, path: name)
        }
        return content
    }

    /// True when the array at the reader starts with an array (nested data); the reader is not moved.
    private static func isNested(_ reader: JSONReader) throws -> Bool {
        var probe = reader
        guard try probe.peekKind() == .array else { return false }
        try probe.beginArray(path: "")
        guard try probe.nextElement() else { return false }
        return try probe.peekKind() == .array
    }
}
