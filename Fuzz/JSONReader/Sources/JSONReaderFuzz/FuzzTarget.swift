import Foundation
import SoftLabelKernels
import SoftLabelWire

/// One libFuzzer input: the reader must never trap, its typed walk must agree with `validate`,
/// and `validate` must agree with Foundation's `JSONSerialization` on accept/reject (outside the
/// documented differences in `ExcludedFromDifferential.swift`).
func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)

    let syntaxError: JSONReadError?
    do {
        try JSONReader.validate(bytes)
        syntaxError = nil
    } catch let error as JSONReadError {
        syntaxError = error
        check(error.kind == .syntax, "validate threw a non-syntax error \(error)", bytes)
        check(error.offset >= 0 && error.offset <= size, "error offset \(error.offset) outside the body", bytes)
    } catch {
        fail("validate threw \(error)", bytes)
    }

    // The typed walk reads every value with the typed calls; it must throw a syntax error exactly
    // when validate does (it may also throw range and duplicate-key errors on valid JSON).
    let walkError = walkAll(bytes)
    if syntaxError != nil {
        check(walkError != nil, "validate rejected but the typed walk accepted", bytes)
    } else if let walkError {
        check(walkError.kind != .syntax, "validate accepted but the walk found a syntax error: \(walkError)", bytes)
    }

    // The matrix and array readers on the same bytes: any outcome but a trap.
    for read in typedReads {
        var reader = JSONReader(bytes)
        _ = try? read(&reader)
    }

    // The matrix reader (whose rows go through the compact-number fast path) against the same
    // matrix read one `readFloat` at a time: same values to the bit, same accept/reject.
    var matrixReader = JSONReader(bytes)
    let matrix = try? { () throws -> Matrix in
        let m = try matrixReader.readFloatMatrix(path: "logits")
        try matrixReader.finish()
        return m
    }()
    let elements = elementwiseMatrix(bytes)
    check(matrix?.values.map(\.bitPattern) == elements?.map(\.bitPattern),
          "readFloatMatrix \(matrix.map { "\($0.values)" } ?? "rejects"), element by element \(elements.map { "\($0)" } ?? "rejects")",
          bytes)

    // And against glibc strtof, token by token (strtof rounds each decimal straight to float32):
    // Python's 16-19 digit form, exponents and ties take the matrix reader's `LongFloat32` path.
    if let matrix, let tokens = strtofMatrix(bytes) {
        check(matrix.values.map(\.bitPattern) == tokens.map(\.bitPattern),
              "readFloatMatrix \(matrix.values), strtof token by token \(tokens)", bytes)
    }

    // Differential: Foundation's accept/reject, with the same depth limit as Foundation (512).
    if differentialEnabled && !excludedFromDifferential(bytes) {
        let ours = (try? JSONReader.validate(bytes, maxDepth: 512)) != nil
        let foundation = (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
        check(ours == foundation, "differential: ours \(ours ? "accepts" : "rejects"), JSONSerialization \(foundation ? "accepts" : "rejects")", bytes)
    }
    return 0
}

/// `FUZZ_NO_DIFFERENTIAL=1` turns the Foundation comparison off (it dominates the time per input).
private let differentialEnabled = ProcessInfo.processInfo.environment["FUZZ_NO_DIFFERENTIAL"] == nil

private let typedReads: [@Sendable (inout JSONReader) throws -> Void] = [
    { _ = try $0.readFloatMatrix(path: "logits"); try $0.finish() },
    { _ = try $0.readFloatArray(path: "prior"); try $0.finish() },
    { _ = try $0.readIntArray(path: "labels"); try $0.finish() },
    { _ = try $0.readStringArray(path: "return"); try $0.finish() },
    { _ = try $0.readFloat(path: "x"); try $0.finish() },
    { _ = try $0.readDouble(path: "x"); try $0.finish() },
    { _ = try $0.readInt(path: "x"); try $0.finish() },
    { _ = try $0.readString(path: "x"); try $0.finish() },
    { _ = try $0.readBool(path: "x"); try $0.finish() },
    { _ = try $0.readNull(); try $0.finish() },
]

/// Reads the whole document with the typed calls (no skipValue), iteratively.
func walkAll(_ bytes: UnsafeRawBufferPointer) -> JSONReadError? {
    var reader = JSONReader(bytes)
    var containers: [Bool] = []  // isObject
    do {
        repeat {
            switch try reader.peekKind() {
            case .object:
                try reader.beginObject(path: "")
                containers.append(true)
            case .array:
                try reader.beginArray(path: "")
                containers.append(false)
            case .string: _ = try reader.readString(path: "")
            case .number:
                // Valid JSON numbers can be out of float32 range: fall back to a wider read.
                if (try? reader.readFloat(path: "")) == nil, (try? reader.readDouble(path: "")) == nil {
                    try reader.skipValue()
                }
            case .bool: _ = try reader.readBool(path: "")
            case .null: _ = try reader.readNull()
            }
            // Move to the next value, closing finished containers.
            while let isObject = containers.last {
                if isObject {
                    if try reader.nextKey() != nil { break }
                } else {
                    if try reader.nextElement() { break }
                }
                containers.removeLast()
            }
        } while !containers.isEmpty
        try reader.finish()
        return nil
    } catch let error as JSONReadError {
        return error
    } catch {
        fail("walk threw \(error)", bytes)
    }
}

func check(_ condition: Bool, _ message: @autoclosure () -> String, _ bytes: UnsafeRawBufferPointer) {
    if !condition { fail(message(), bytes) }
}

func fail(_ message: String, _ bytes: UnsafeRawBufferPointer) -> Never {
    let shown = String(decoding: bytes.prefix(300), as: UTF8.self)
    FileHandle.standardError.write(Data("FUZZ FAILURE: \(message)\ninput (\(bytes.count) bytes): \(shown)\n".utf8))
    abort()
}

/// A non-empty array of equally long, non-empty arrays of numbers, read with `beginArray`,
/// `nextElement` and `readFloat`, row-major; nil when anything else is there.
func elementwiseMatrix(_ bytes: UnsafeRawBufferPointer) -> [Float]? {
    var reader = JSONReader(bytes)
    var values: [Float] = []
    var columns: Int? = nil
    do {
        try reader.beginArray(path: "")
        guard try reader.nextElement() else { return nil }
        repeat {
            try reader.beginArray(path: "")
            let rowStart = values.count
            guard try reader.nextElement() else { return nil }
            repeat { values.append(try reader.readFloat(path: "")) } while try reader.nextElement()
            let count = values.count - rowStart
            if columns == nil { columns = count } else if columns != count { return nil }
        } while try reader.nextElement()
        try reader.finish()
        return values
    } catch {
        return nil
    }
}

/// The numbers of a matrix the reader accepted, each read by glibc `strtof` from its own token:
/// an accepted matrix holds only brackets, commas, whitespace and number tokens, so every maximal
/// run of `-+.0-9eE` is one number. Nil when a token is longer than 4,000 bytes (none fits the
/// fuzzer's inputs).
func strtofMatrix(_ bytes: UnsafeRawBufferPointer) -> [Float]? {
    var values: [Float] = []
    var token: [CChar] = []
    func isNumberByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: ".") || byte | 0x20 == UInt8(ascii: "e")
    }
    for index in 0...bytes.count {
        if index < bytes.count && isNumberByte(bytes[index]) {
            token.append(CChar(bitPattern: bytes[index]))
            if token.count > 4_000 { return nil }
        } else if !token.isEmpty {
            token.append(0)
            values.append(strtof(token, nil))
            token.removeAll(keepingCapacity: true)
        }
    }
    return values
}
