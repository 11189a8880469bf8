import SoftLabelKernels
import SoftLabelWire

/// One output of an inference: name, shape and row-major data of one datatype.
///
/// Undefined values (a mean loss over a batch whose every row is ignored, the MCE of no bins, the
/// accuracy of an empty reliability bin) are NaN: `null` in JSON data, NaN in binary data, and
/// `numpy.array([None], dtype=float)` reads `null` back as NaN too.
struct OutputTensor {
    enum Data {
        case fp32([Float])
        case fp64([Double])
        case int64([Int])
        case bool([Bool])
        /// Each element is raw bytes (UTF-8 text here); JSON writes them as strings.
        case bytes([[UInt8]])
    }

    var name: String
    var shape: [Int]
    var data: Data

    static func scalar(_ name: String, _ value: Float?) -> OutputTensor {
        OutputTensor(name: name, shape: [1], data: .fp32([value ?? .nan]))
    }

    static func scalar(_ name: String, _ value: Double?) -> OutputTensor {
        OutputTensor(name: name, shape: [1], data: .fp64([value ?? .nan]))
    }

    static func scalar(_ name: String, _ value: Int) -> OutputTensor {
        OutputTensor(name: name, shape: [1], data: .int64([value]))
    }

    static func matrix(_ name: String, _ m: Matrix) -> OutputTensor {
        OutputTensor(name: name, shape: [m.rows, m.columns], data: .fp32(m.values))
    }

    var datatype: TensorDatatype {
        switch data {
        case .fp32: .fp32
        case .fp64: .fp64
        case .int64: .int64
        case .bool: .bool
        case .bytes: .bytes
        }
    }

    /// Bytes of the data in the `binary_tensor_data` extension.
    var binaryByteCount: Int {
        switch data {
        case .fp32(let v): v.count * 4
        case .fp64(let v): v.count * 8
        case .int64(let v): v.count * 8
        case .bool(let v): v.count
        case .bytes(let v): v.reduce(0) { $0 + 4 + $1.count }
        }
    }

    /// Writes the data as a flat JSON array (the protocol's row-major `data`).
    func writeJSON(_ w: inout JSONWriter) {
        switch data {
        case .fp32(let v): w.writeFloatArray(v)
        case .fp64(let v):
            w.beginArray()
            for x in v { x.isFinite ? w.writeDouble(x) : w.writeNull() }
            w.endArray()
        case .int64(let v):
            w.beginArray()
            for x in v { w.writeInt(x) }
            w.endArray()
        case .bool(let v):
            w.beginArray()
            for x in v { w.writeBool(x) }
            w.endArray()
        case .bytes(let v):
            w.beginArray()
            for x in v { w.writeString(String(decoding: x, as: UTF8.self)) }
            w.endArray()
        }
    }

    /// Appends the data in binary: little-endian, row-major; BOOL one byte each; BYTES each
    /// element as a 4-byte little-endian length and its bytes.
    func appendBinary(to body: inout [UInt8]) {
        switch data {
        case .fp32(let v): Self.appendLittleEndian(v, to: &body) { $0.bitPattern.littleEndian }
        case .fp64(let v): Self.appendLittleEndian(v, to: &body) { $0.bitPattern.littleEndian }
        case .int64(let v): Self.appendLittleEndian(v, to: &body) { Int64($0).littleEndian }
        case .bool(let v): body.append(contentsOf: v.map { $0 ? 1 : 0 })
        case .bytes(let v):
            for element in v {
                // `InferenceResponse.serviceResponse` sends an output with a longer element as JSON.
                precondition(element.count <= UInt32.max, "a BYTES element of \(element.count) bytes has no 4-byte length")
                Self.appendLittleEndian([UInt32(element.count)], to: &body) { $0.littleEndian }
                body.append(contentsOf: element)
            }
        }
    }

    /// Appends the values' bytes as they are in memory when that is already the wire's form
    /// (little-endian host, 8-byte Int): one copy, no conversion; else converts each element.
    private static func appendLittleEndian<T, Wire>(_ values: [T], to body: inout [UInt8], _ convert: (T) -> Wire) {
        #if _endian(little)
        if MemoryLayout<T>.size == MemoryLayout<Wire>.size {
            values.withUnsafeBytes { body.append(contentsOf: $0) }
            return
        }
        #endif
        values.map(convert).withUnsafeBytes { body.append(contentsOf: $0) }
    }
}
