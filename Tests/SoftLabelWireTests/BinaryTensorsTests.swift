import SoftLabelKernels
import Testing
import SoftLabelWire

/// KServe `binary_tensor_data`: framing and tensors, checked against bytes laid out by hand
/// (little-endian IEEE 754 / two's complement), not against the writer alone.
@Suite struct BinaryTensorsTests {
    /// A request as tritonclient sends it: JSON header, then logits (2×2 FP32), then labels (2 INT64).
    func requestBody() -> (body: [UInt8], headerLength: Int) {
        let header = Array(#"{"inputs":[{"name":"logits","shape":[2,2],"datatype":"FP32","parameters":{"binary_data_size":16}},{"name":"labels","shape":[2],"datatype":"INT64","parameters":{"binary_data_size":16}}]}"#.utf8)
        let logits: [UInt8] = [0x00, 0x00, 0x80, 0x3F,  0x00, 0x00, 0x00, 0xC0,  0x00, 0x00, 0x00, 0x3F,  0x00, 0x00, 0x80, 0x7F]
        let labels: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 0,  0x9C, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        return (header + logits + labels, header.count)
    }

    @Test func splitsAndSlicesARequest() throws {
        let (body, headerLength) = requestBody()
        try body.withUnsafeBytes { raw in
            let (header, binary) = try BinaryTensors.split(raw, inferenceHeaderContentLength: headerLength)
            #expect(JSONReaderValidates(header))
            var tensors = BinaryTensorReader(binary)
            let logits = try BinaryTensors.matrix(try tensors.next(byteCount: 16, path: "logits"), rows: 2, columns: 2, path: "logits")
            #expect(logits.values == [1, -2, 0.5, .infinity])
            let labels = try BinaryTensors.integers(try tensors.next(byteCount: 16, path: "labels"), datatype: .int64, path: "labels")
            #expect(labels == [1, -100])
            try tensors.finish()
        }
    }

    func JSONReaderValidates(_ header: UnsafeRawBufferPointer) -> Bool {
        (try? JSONReader.validate(header)) != nil
    }

    @Test func framingErrors() throws {
        let (body, headerLength) = requestBody()
        try body.withUnsafeBytes { raw in
            #expect(throws: JSONReadError.self) { _ = try BinaryTensors.split(raw, inferenceHeaderContentLength: raw.count + 1) }
            #expect(throws: JSONReadError.self) { _ = try BinaryTensors.split(raw, inferenceHeaderContentLength: -1) }
            let (_, binary) = try BinaryTensors.split(raw, inferenceHeaderContentLength: headerLength)
            var tensors = BinaryTensorReader(binary)
            _ = try tensors.next(byteCount: 16, path: "logits")
            do {
                _ = try tensors.next(byteCount: 17, path: "labels")
                Issue.record("a tensor past the end was sliced")
            } catch let error as JSONReadError {
                #expect(error.kind == .syntax)
                #expect(error.path == "labels")
            }
            #expect(throws: JSONReadError.self) { try tensors.finish() }  // 16 bytes left over
        }
    }

    @Test func shapeErrors() throws {
        let bytes: [UInt8] = Array(repeating: 0, count: 10)
        try bytes.withUnsafeBytes { raw in
            do {
                _ = try BinaryTensors.floats(raw, path: "logits")
                Issue.record("10 bytes read as FP32")
            } catch let error as JSONReadError {
                #expect(error.kind == .shape)
            }
            let eight = UnsafeRawBufferPointer(rebasing: raw[0..<8])
            #expect(try BinaryTensors.floats(eight, path: "p") == [0, 0])
            #expect(throws: JSONReadError.self) { _ = try BinaryTensors.matrix(eight, rows: 1, columns: 3, path: "logits") }
            #expect(throws: JSONReadError.self) { _ = try BinaryTensors.matrix(eight, rows: 0, columns: 2, path: "logits") }
            #expect(try BinaryTensors.integers(eight, datatype: .int32, path: "labels") == [0, 0])
            #expect(throws: JSONReadError.self) { _ = try BinaryTensors.integers(eight, datatype: .fp32, path: "labels") }
        }
    }

    /// Sizes and shapes from a request at the extremes of Int (issue 11): errors, never a trap.
    @Test func extremeSizesAreErrors() throws {
        let wide: [Int64] = [.max, .min, -1, 0]
        try wide.withUnsafeBytes { raw in
            #expect(try BinaryTensors.integers(raw, datatype: .int64, path: "labels") == [Int.max, Int.min, -1, 0])
            for (rows, columns) in [(Int.max, 2), (-1, -1), (1 << 32, 1 << 32), (Int.min, 1), (1, Int.max)] {
                #expect(throws: JSONReadError.self) { _ = try BinaryTensors.matrix(raw, rows: rows, columns: columns, path: "logits") }
            }
            for count in [Int.max, -1, Int.min] {
                #expect(throws: JSONReadError.self) { _ = try BinaryTensors.floats(raw, expectedCount: count, path: "p") }
                #expect(throws: JSONReadError.self) { _ = try BinaryTensors.integers(raw, datatype: .int32, expectedCount: count, path: "labels") }
            }
            for length in [Int.max, Int.min] {
                #expect(throws: JSONReadError.self) { _ = try BinaryTensors.split(raw, inferenceHeaderContentLength: length) }
            }
            var tensors = BinaryTensorReader(raw)
            for size in [Int.max, -1, Int.min, 33] {
                #expect(throws: JSONReadError.self) { _ = try tensors.next(byteCount: size, path: "x") }
            }
            #expect(try tensors.next(byteCount: 32, path: "x").count == 32)
            try tensors.finish()
        }
    }

    @Test func zeroCopyWhenAligned() throws {
        let floats: [Float] = [1, 2, 3, 4]
        try floats.withUnsafeBytes { raw in
            try BinaryTensors.withFloats(raw, expectedCount: 4, path: "x") { buffer in
                #expect(UnsafeRawPointer(buffer.baseAddress!) == raw.baseAddress!)
                #expect(Array(buffer) == floats)
            }
        }
        // Misaligned (the header length is arbitrary): an aligned copy with the same values.
        var bytes: [UInt8] = [0]
        floats.withUnsafeBytes { bytes.append(contentsOf: $0) }
        try bytes.withUnsafeBytes { raw in
            let tail = UnsafeRawBufferPointer(rebasing: raw[1...])
            try BinaryTensors.withFloats(tail, path: "x") { buffer in
                #expect(Array(buffer) == floats)
            }
        }
    }

    @Test func writerLaysOutLittleEndianTensors() throws {
        var writer = BinaryTensorWriter()
        #expect(writer.append(Matrix(rows: 1, columns: 2, values: [1, -2])) == 8)
        #expect(writer.append([1, -100], as: .int64) == 16)
        #expect(writer.append([7], as: .int32) == 4)
        #expect(writer.binary == [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0,
                                  1, 0, 0, 0, 0, 0, 0, 0, 0x9C, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                  7, 0, 0, 0])
        let header = Array(#"{"outputs":[]}"#.utf8)
        let (body, length) = writer.body(header: header)
        #expect(length == header.count)
        #expect(Array(body[..<length]) == header)
        #expect(body.count == header.count + 28)
        // And it reads back.
        try body.withUnsafeBytes { raw in
            var tensors = BinaryTensorReader(try BinaryTensors.split(raw, inferenceHeaderContentLength: length).binary)
            #expect(try BinaryTensors.floats(try tensors.next(byteCount: 8, path: "a"), path: "a") == [1, -2])
            #expect(try BinaryTensors.integers(try tensors.next(byteCount: 16, path: "b"), datatype: .int64, path: "b") == [1, -100])
            #expect(try BinaryTensors.integers(try tensors.next(byteCount: 4, path: "c"), datatype: .int32, path: "c") == [7])
            try tensors.finish()
        }
    }
}
