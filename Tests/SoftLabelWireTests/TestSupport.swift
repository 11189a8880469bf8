import Foundation
import SoftLabelKernels
import SoftLabelWire

/// Runs `body` with a reader over the UTF-8 bytes of `json`.
func withReader<T>(_ json: String, _ body: (inout JSONReader) throws -> T) throws -> T {
    try withReader(Array(json.utf8), body)
}

func withReader<T>(_ bytes: [UInt8], _ body: (inout JSONReader) throws -> T) throws -> T {
    try bytes.withUnsafeBytes { raw in
        var reader = JSONReader(raw)
        return try body(&reader)
    }
}

/// The error `body` throws over `json`, or nil if it does not throw.
func readError(_ json: String, _ body: (inout JSONReader) throws -> Void) -> JSONReadError? {
    readError(Array(json.utf8), body)
}

func readError(_ bytes: [UInt8], _ body: (inout JSONReader) throws -> Void) -> JSONReadError? {
    do {
        try withReader(bytes, body)
        return nil
    } catch let error as JSONReadError {
        return error
    } catch {
        fatalError("unexpected error type \(error)")
    }
}

/// `JSONReader.validate` over the bytes: nil when valid.
func validationError(_ bytes: [UInt8], maxDepth: Int = 128) -> JSONReadError? {
    do {
        try bytes.withUnsafeBytes { try JSONReader.validate($0, maxDepth: maxDepth) }
        return nil
    } catch let error as JSONReadError {
        return error
    } catch {
        fatalError("unexpected error type \(error)")
    }
}

/// glibc's correctly rounded conversions: the reference for the reader's rounding.
func referenceFloat(_ bytes: [UInt8]) -> Float {
    (bytes + [0]).withUnsafeBufferPointer { buffer in
        buffer.withMemoryRebound(to: CChar.self) { strtof($0.baseAddress!, nil) }
    }
}

func referenceDouble(_ bytes: [UInt8]) -> Double {
    (bytes + [0]).withUnsafeBufferPointer { buffer in
        buffer.withMemoryRebound(to: CChar.self) { strtod($0.baseAddress!, nil) }
    }
}

/// An integer from the environment, or `fallback`.
func environmentInt(_ name: String, default fallback: Int) -> Int {
    ProcessInfo.processInfo.environment[name].flatMap { Int($0) } ?? fallback
}

/// Reads a whole document with the typed calls only (no `skipValue`), iteratively, as a service
/// would; returns the first error. Numbers beyond float32 fall back to `readDouble`.
func typedWalkError(_ bytes: [UInt8]) -> JSONReadError? {
    readError(bytes) { reader in
        var containers: [Bool] = []  // isObject
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
                if (try? reader.readFloat(path: "")) == nil { _ = try reader.readDouble(path: "") }
            case .bool: _ = try reader.readBool(path: "")
            case .null: _ = try reader.readNull()
            }
            while let isObject = containers.last {
                if isObject ? try reader.nextKey() != nil : try reader.nextElement() { break }
                containers.removeLast()
            }
        } while !containers.isEmpty
        try reader.finish()
    }
}
