import SoftLabelKernels

/// The Open Inference Protocol's `binary_tensor_data` extension (KServe V2 / Triton): a body is a
/// JSON header of `Inference-Header-Content-Length` bytes followed by the raw tensors, little-endian
/// and row-major, one after another in the order of the header's `inputs` (or `outputs`), each
/// `parameters.binary_data_size` bytes long.
///
/// Errors are `JSONReadError`s so that the service maps them like any other body error: broken
/// framing (a header length beyond the body, a tensor running past the end, bytes left over) is
/// `.syntax` (400); a size that does not fit the tensor's datatype or shape is `.shape` (422).
public enum BinaryTensors {
    /// The datatypes softlabel exchanges in binary, with their element sizes.
    public enum Datatype: String, Sendable, CaseIterable {
        case fp32 = "FP32", int32 = "INT32", int64 = "INT64"

        /// Bytes per element.
        public var elementSize: Int {
            switch self {
            case .fp32, .int32: 4
            case .int64: 8
            }
        }
    }

    /// Splits `body` into its JSON header (the first `inferenceHeaderContentLength` bytes) and the
    /// binary section (the rest). Both are views into `body`, no copy.
    public static func split(_ body: UnsafeRawBufferPointer, inferenceHeaderContentLength: Int) throws
        -> (header: UnsafeRawBufferPointer, binary: UnsafeRawBufferPointer)
    {
        guard inferenceHeaderContentLength >= 0 && inferenceHeaderContentLength <= body.count else {
            throw JSONReadError(
                kind: .syntax,
                message: "Inference-Header-Content-Length is \(inferenceHeaderContentLength) but the body has \(body.count) bytes.",
                offset: 0, path: "")
        }
        return (UnsafeRawBufferPointer(rebasing: body[..<inferenceHeaderContentLength]),
                UnsafeRawBufferPointer(rebasing: body[inferenceHeaderContentLength...]))
    }

    /// Reads `[Float]` from FP32 bytes; `byteCount` must be a multiple of 4 and, when
    /// `expectedCount` is given, hold exactly that many elements.
    public static func floats(_ raw: UnsafeRawBufferPointer, expectedCount: Int? = nil, path: String) throws -> [Float] {
        let count = try elementCount(raw, .fp32, expectedCount: expectedCount, path: path)
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            copyLittleEndian(raw, into: UnsafeMutableRawBufferPointer(buffer), elementSize: 4)
            initialized = count
        }
    }

    /// Reads a `rows` × `columns` FP32 tensor (a shape from the header) into a `Matrix`.
    public static func matrix(_ raw: UnsafeRawBufferPointer, rows: Int, columns: Int, path: String) throws -> Matrix {
        guard rows > 0 && columns > 0, rows.multipliedReportingOverflow(by: columns).overflow == false else {
            throw JSONReadError(kind: .shape, message: "\(JSONPath.describe(path)) has shape [\(rows), \(columns)]: both must be positive.",
                                offset: 0, path: path)
        }
        return Matrix(rows: rows, columns: columns, values: try floats(raw, expectedCount: rows * columns, path: path))
    }

    /// Calls `body` with the FP32 bytes as floats: the bytes themselves when they are 4-byte
    /// aligned (and the platform is little-endian), else an aligned copy. Zero-copy for kernels.
    public static func withFloats<R>(
        _ raw: UnsafeRawBufferPointer, expectedCount: Int? = nil, path: String,
        _ body: (UnsafeBufferPointer<Float>) throws -> R
    ) throws -> R {
        let count = try elementCount(raw, .fp32, expectedCount: expectedCount, path: path)
        #if _endian(little)
        if let base = raw.baseAddress, Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 {
            return try raw.withMemoryRebound(to: Float.self) { try body($0) }
        }
        #endif
        let copy = try floats(raw, expectedCount: count, path: path)
        return try copy.withUnsafeBufferPointer { try body($0) }
    }

    /// Reads INT64 or INT32 bytes as `[Int]` (labels, counts).
    public static func integers(_ raw: UnsafeRawBufferPointer, datatype: Datatype, expectedCount: Int? = nil, path: String) throws -> [Int] {
        let count = try elementCount(raw, datatype, expectedCount: expectedCount, path: path)
        switch datatype {
        case .int64:
            return (0..<count).map { Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))) }
        case .int32:
            return (0..<count).map { Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
        case .fp32:
            throw JSONReadError(kind: .type, message: "\(JSONPath.describe(path)) must be INT64 or INT32, found FP32.",
                                offset: 0, path: path)
        }
    }

    /// The element count of `raw` as `datatype`, checked against `expectedCount`.
    private static func elementCount(_ raw: UnsafeRawBufferPointer, _ datatype: Datatype, expectedCount: Int?, path: String) throws -> Int {
        guard raw.count % datatype.elementSize == 0 else {
            throw JSONReadError(
                kind: .shape,
                message: "\(JSONPath.describe(path)) has binary_data_size \(raw.count), not a multiple of \(datatype.elementSize) bytes (\(datatype.rawValue)).",
                offset: 0, path: path)
        }
        let count = raw.count / datatype.elementSize
        if let expectedCount, expectedCount != count {
            throw JSONReadError(
                kind: .shape,
                message: "\(JSONPath.describe(path)) has \(count) \(datatype.rawValue) elements in its binary data, but its shape needs \(expectedCount).",
                offset: 0, path: path)
        }
        return count
    }

    /// Copies `raw` into `destination` (same size), swapping each element to host order.
    static func copyLittleEndian(_ raw: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer, elementSize: Int) {
        guard raw.count > 0 else { return }
        destination.copyMemory(from: raw)
        #if !_endian(little)
        for start in stride(from: 0, to: destination.count, by: elementSize) {
            UnsafeMutableRawBufferPointer(rebasing: destination[start..<(start + elementSize)]).reverse()
        }
        #endif
    }
}

/// Takes consecutive tensors off the binary section, in header order.
public struct BinaryTensorReader {
    /// The binary section (everything after the JSON header).
    public let binary: UnsafeRawBufferPointer
    /// Bytes consumed so far.
    public private(set) var offset = 0

    /// A reader at the start of `binary`, which must outlive it.
    public init(_ binary: UnsafeRawBufferPointer) {
        self.binary = binary
    }

    /// The next `byteCount` bytes (the tensor's `binary_data_size`), a view without copy.
    public mutating func next(byteCount: Int, path: String) throws -> UnsafeRawBufferPointer {
        guard byteCount >= 0 && byteCount <= binary.count - offset else {
            throw JSONReadError(
                kind: .syntax,
                message: "\(JSONPath.describe(path)) has binary_data_size \(byteCount), but only \(binary.count - offset) bytes of binary data remain.",
                offset: offset, path: path)
        }
        defer { offset += byteCount }
        return UnsafeRawBufferPointer(rebasing: binary[offset..<(offset + byteCount)])
    }

    /// Checks that every byte of the binary section belongs to a tensor.
    public func finish() throws {
        if offset != binary.count {
            throw JSONReadError(
                kind: .syntax,
                message: "The binary data has \(binary.count - offset) bytes after the last tensor; binary_data_size values must add up to its length.",
                offset: offset, path: "")
        }
    }
}

/// Builds the binary section of a response (or request) and the body around it.
public struct BinaryTensorWriter: Sendable {
    /// The raw tensors so far, little-endian, in the order they were appended.
    public private(set) var binary: [UInt8] = []

    /// An empty binary section with room for `capacity` bytes.
    public init(capacity: Int = 0) {
        binary.reserveCapacity(capacity)
    }

    /// Appends FP32 tensor data; returns its `binary_data_size`.
    @discardableResult
    public mutating func append(_ values: UnsafeBufferPointer<Float>) -> Int {
        appendRaw(UnsafeRawBufferPointer(values), elementSize: 4)
    }

    /// Appends a matrix as FP32 tensor data; returns its `binary_data_size`.
    @discardableResult
    public mutating func append(_ matrix: Matrix) -> Int {
        matrix.values.withUnsafeBufferPointer { append($0) }
    }

    /// Appends integers as INT64 or INT32 tensor data (truncating to 32 bits for INT32); returns its
    /// `binary_data_size`.
    @discardableResult
    public mutating func append(_ values: [Int], as datatype: BinaryTensors.Datatype) -> Int {
        switch datatype {
        case .int64:
            let wide = values.map { Int64($0).littleEndian }
            return wide.withUnsafeBytes { appendRaw($0, elementSize: 8, alreadyLittleEndian: true) }
        case .int32:
            let narrow = values.map { Int32(truncatingIfNeeded: $0).littleEndian }
            return narrow.withUnsafeBytes { appendRaw($0, elementSize: 4, alreadyLittleEndian: true) }
        case .fp32:
            let floats = values.map { Float($0) }
            return floats.withUnsafeBufferPointer { append($0) }
        }
    }

    /// The whole body, `header` then the binary section, and the value for its
    /// `Inference-Header-Content-Length` header.
    public func body(header: [UInt8]) -> (body: [UInt8], inferenceHeaderContentLength: Int) {
        var body = header
        body.reserveCapacity(header.count + binary.count)
        body.append(contentsOf: binary)
        return (body, header.count)
    }

    private mutating func appendRaw(_ raw: UnsafeRawBufferPointer, elementSize: Int, alreadyLittleEndian: Bool = false) -> Int {
        #if !_endian(little)
        let start = binary.count
        #endif
        binary.append(contentsOf: raw)
        #if !_endian(little)
        if !alreadyLittleEndian {
            binary.withUnsafeMutableBytes { bytes in
                for element in stride(from: start, to: bytes.count, by: elementSize) {
                    UnsafeMutableRawBufferPointer(rebasing: bytes[element..<(element + elementSize)]).reverse()
                }
            }
        }
        #endif
        return raw.count
    }
}
