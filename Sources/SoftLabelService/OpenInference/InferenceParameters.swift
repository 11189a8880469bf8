import SoftLabelWire

/// A `parameters` object of the Open Inference Protocol (of the request, of an input or of a
/// requested output).
///
/// Each value is kept as its JSON text and read on demand with the same readers as the v1 fields,
/// so `"label_smoothing": 0.1` rounds to float32 exactly as `/v1/loss` does, integers are checked
/// for integrality the same way, and an error names `parameters.label_smoothing` (or
/// `inputs[0].parameters.binary_data_size`).
struct InferenceParameters {
    /// The bytes the ranges point into (the request's JSON header); valid while the request is.
    private let source: UnsafeRawBufferPointer
    /// The JSON path of the object, e.g. `parameters`.
    let path: String
    /// Names in request order, with the byte range of each value.
    private(set) var entries: [(name: String, range: Range<Int>)] = []

    init(source: UnsafeRawBufferPointer, path: String) {
        self.source = source
        self.path = path
    }

    /// Reads the object at the reader's position (validating its syntax, keeping each value's text).
    static func read(_ reader: inout JSONReader, source: UnsafeRawBufferPointer, path: String) throws -> InferenceParameters {
        var parameters = InferenceParameters(source: source, path: path)
        try reader.beginObject(path: path)
        while let key = try reader.nextKey() {
            let start = reader.offset
            try reader.skipValue()
            parameters.entries.append((key, start..<reader.offset))
        }
        return parameters
    }

    var names: [String] { entries.map(\.name) }

    func contains(_ name: String) -> Bool { entries.contains { $0.name == name } }

    /// The JSON path of parameter `name`.
    func path(_ name: String) -> String { JSONPath.key(name, in: path) }

    /// Rejects every parameter not in `allowed` (422 `unknown_field`, naming the ones accepted).
    func rejectUnknown(allowed: [String], what: String) throws(ServiceError) {
        for name in names where !allowed.contains(name) {
            let accepted = allowed.isEmpty ? "none" : allowed.joined(separator: ", ")
            throw ServiceError(status: 422, code: "unknown_field",
                               message: "unknown parameter \"\(name)\" \(what); the parameters accepted are: \(accepted)",
                               path: self.path(name))
        }
    }

    /// Reads parameter `name` with `read`, or returns nil when it is absent.
    func value<T>(_ name: String, _ read: (inout JSONReader, String) throws -> T) throws -> T? {
        guard let entry = entries.first(where: { $0.name == name }) else { return nil }
        var reader = JSONReader(UnsafeRawBufferPointer(rebasing: source[entry.range]))
        let value = try read(&reader, path(name))
        try reader.finish()
        return value
    }

    func float(_ name: String) throws -> Float? { try value(name) { try $0.readFloat(path: $1) } }
    func int(_ name: String) throws -> Int? { try value(name) { try $0.readInt(path: $1) } }
    func bool(_ name: String) throws -> Bool? { try value(name) { try $0.readBool(path: $1) } }
    func string(_ name: String) throws -> String? { try value(name) { try $0.readString(path: $1) } }

    /// A string that must be one of `choices` (the v1 field rule).
    func choice<T>(_ name: String, _ choices: [(String, T)], _ decoding: RequestDecoding) throws -> T? {
        try value(name) { reader, path in try decoding.choice(&reader, path, choices) }
    }

    /// A list of integers: a JSON array (`[1, 5]`), one integer (`5`), or a comma-separated string
    /// (`"1,5"`), since a Triton client's parameters are scalars.
    func intList(_ name: String) throws -> [Int]? {
        try value(name) { reader, path in
            switch try reader.peekKind() {
            case .array: return try reader.readIntArray(path: path)
            case .string:
                let text = try reader.readString(path: path)
                var list: [Int] = []
                for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                    guard let k = Int(part.trimmingSpaces), k >= Int(Int32.min), k <= Int(Int32.max) else {
                        throw ServiceError.invalidValue(path, "\(path) must be integers separated by commas (e.g. \"1,5\"), got \"\(text)\"")
                    }
                    list.append(k)
                }
                return list
            default: return [try reader.readInt(path: path)]
            }
        }
    }

    /// A list of numbers (`coverages`): a JSON array (`[0.5, 0.9]`), one number (`0.9`), or a
    /// comma-separated string (`"0.5,0.9"`), since a Triton client's parameters are scalars. Each
    /// number is read with the JSON number reader, so the string form accepts exactly the v1 syntax.
    func doubleList(_ name: String) throws -> [Double]? {
        try value(name) { reader, path in
            switch try reader.peekKind() {
            case .array:
                var values: [Double] = []
                try reader.beginArray(path: path)
                while try reader.nextElement() { values.append(try reader.readDouble(path: "\(path)[\(values.count)]")) }
                return values
            case .string:
                let text = try reader.readString(path: path)
                var list: [Double] = []
                for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                    let bytes = Array(part.trimmingSpaces.utf8)
                    let number: Double? = bytes.withUnsafeBytes { raw in
                        var element = JSONReader(raw)
                        guard let x = try? element.readDouble(path: path), (try? element.finish()) != nil else { return nil }
                        return x
                    }
                    guard !bytes.isEmpty, let number else {
                        throw ServiceError.invalidValue(path, "\(path) must be numbers separated by commas (e.g. \"0.5,0.9\"), got \"\(text)\"")
                    }
                    list.append(number)
                }
                return list
            default: return [try reader.readDouble(path: path)]
            }
        }
    }
}
