import Foundation
import Testing

/// Builds Open Inference Protocol requests (JSON or binary tensors) and reads responses, the way
/// a Triton client does, for the integration tests.
enum V2 {
    /// An input tensor: FP32 values or integer values, with a shape.
    struct Input {
        var name: String
        var datatype: String
        var shape: [Int]
        var floats: [Float] = []
        var ints: [Int] = []

        static func fp32(_ name: String, _ values: [Float], shape: [Int]) -> Input {
            Input(name: name, datatype: "FP32", shape: shape, floats: values)
        }

        static func matrix(_ name: String, _ rows: [[Float]]) -> Input {
            fp32(name, rows.flatMap { $0 }, shape: [rows.count, rows.first?.count ?? 0])
        }

        static func int64(_ name: String, _ values: [Int]) -> Input {
            Input(name: name, datatype: "INT64", shape: [values.count], ints: values)
        }

        static func int32(_ name: String, _ values: [Int]) -> Input {
            Input(name: name, datatype: "INT32", shape: [values.count], ints: values)
        }

        var isFloat: Bool { datatype == "FP32" || datatype == "FP64" || datatype == "FP16" }

        /// Little-endian bytes of the values in the declared datatype.
        var binary: [UInt8] {
            switch datatype {
            case "FP32": return floats.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
            case "FP64": return floats.flatMap { withUnsafeBytes(of: Double($0).bitPattern.littleEndian, Array.init) }
            case "INT32": return ints.flatMap { withUnsafeBytes(of: Int32(truncatingIfNeeded: $0).littleEndian, Array.init) }
            default: return ints.flatMap { withUnsafeBytes(of: Int64($0).littleEndian, Array.init) }
            }
        }

        /// JSON data: flat, or nested rows for a rank-2 tensor when `nested`.
        func jsonData(nested: Bool) -> Any {
            let flat: [Any] = isFloat ? floats.map { Double($0) } : ints
            guard nested, shape.count == 2, shape[1] > 0 else { return flat }
            return stride(from: 0, to: flat.count, by: shape[1]).map { Array(flat[$0..<min($0 + shape[1], flat.count)]) }
        }
    }

    /// A request body and the Inference-Header-Content-Length it needs (nil for all-JSON).
    struct Body {
        var bytes: [UInt8]
        var headerLength: Int?

        var headers: [String] {
            guard let headerLength else { return ["Content-Type: application/json"] }
            return ["Content-Type: application/octet-stream", "Inference-Header-Content-Length: \(headerLength)"]
        }
    }

    /// The request: inputs as JSON (`nested` or flat) or binary, request parameters, requested
    /// outputs (name and optional `binary_data`), and extra top-level fields.
    static func body(_ inputs: [Input], binary: Bool = false, nested: Bool = true, parameters: [String: Any] = [:],
                     outputs: [(String, Bool?)]? = nil, id: String? = nil, extra: [String: Any] = [:]) -> Body {
        var tail: [UInt8] = []
        var header: [String: Any] = extra
        header["inputs"] = inputs.map { input -> [String: Any] in
            var tensor: [String: Any] = ["name": input.name, "datatype": input.datatype, "shape": input.shape]
            if binary {
                let bytes = input.binary
                tensor["parameters"] = ["binary_data_size": bytes.count]
                tail += bytes
            } else {
                tensor["data"] = input.jsonData(nested: nested)
            }
            return tensor
        }
        if !parameters.isEmpty { header["parameters"] = parameters }
        if let outputs {
            header["outputs"] = outputs.map { name, binary -> [String: Any] in
                binary.map { ["name": name, "parameters": ["binary_data": $0]] } ?? ["name": name]
            }
        }
        if let id { header["id"] = id }
        let json = [UInt8](try! JSONSerialization.data(withJSONObject: header))
        return binary ? Body(bytes: json + tail, headerLength: json.count) : Body(bytes: json, headerLength: nil)
    }

    /// One output of a response: datatype, shape, values as Doubles (NaN for null), whether it
    /// came in binary, and BYTES elements as strings.
    struct Output {
        var datatype: String
        var shape: [Int]
        var values: [Double]
        var strings: [String] = []
        var binary: Bool

        /// The values nested by the shape (rank 2) or flat, NaN as NSNull: the v1 JSON shape.
        var json: Any {
            let flat: [Any] = values.map { $0.isNaN ? NSNull() : $0 as Any }
            guard shape.count == 2, shape[1] > 0 else { return flat }
            return stride(from: 0, to: flat.count, by: shape[1]).map { Array(flat[$0..<($0 + shape[1])]) }
        }

        var scalar: Any { values.count == 1 && !values[0].isNaN ? values[0] : NSNull() }
    }

    struct Response {
        var header: [String: Any]
        var outputs: [String: Output]
        /// Output names in response order.
        var order: [String]
    }

    /// Splits a response by its Inference-Header-Content-Length and decodes every output.
    static func parse(_ r: CurlClient.Response) throws -> Response {
        var headerBytes = r.body
        var binary: [UInt8] = []
        if let value = r.headers["inference-header-content-length"] {
            let length = try #require(Int(value))
            headerBytes = Array(r.body[..<length])
            binary = Array(r.body[length...])
        }
        let header = try #require(try JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any])
        var outputs: [String: Output] = [:]
        var order: [String] = []
        var offset = 0
        for output in header["outputs"] as? [[String: Any]] ?? [] {
            let name = output["name"] as! String
            let datatype = output["datatype"] as! String
            let shape = (output["shape"] as! [Any]).map { ($0 as! NSNumber).intValue }
            var decoded = Output(datatype: datatype, shape: shape, values: [], binary: false)
            if let size = (output["parameters"] as? [String: Any])?["binary_data_size"] as? Int {
                let bytes = Array(binary[offset..<(offset + size)])
                offset += size
                decoded.binary = true
                decode(bytes, into: &decoded)
            } else {
                for element in output["data"] as? [Any] ?? [] {
                    if let s = element as? String {
                        decoded.strings.append(s)
                    } else if let n = element as? NSNumber {
                        // FP32 JSON data is the shortest text of a float32: read it back as one.
                        decoded.values.append(datatype == "FP32" ? Double(Float(n.doubleValue)) : n.doubleValue)
                    } else {
                        decoded.values.append(.nan)
                    }
                }
            }
            outputs[name] = decoded
            order.append(name)
        }
        #expect(offset == binary.count, "binary section has \(binary.count - offset) unread bytes")
        return Response(header: header, outputs: outputs, order: order)
    }

    private static func decode(_ bytes: [UInt8], into output: inout Output) {
        func load<T: FixedWidthInteger>(_ type: T.Type) -> [T] {
            stride(from: 0, to: bytes.count, by: MemoryLayout<T>.size).map { i in
                bytes[i..<(i + MemoryLayout<T>.size)].reversed().reduce(T(0)) { $0 << 8 | T($1) }
            }
        }
        switch output.datatype {
        case "FP32": output.values = load(UInt32.self).map { Double(Float(bitPattern: $0)) }
        case "FP64": output.values = load(UInt64.self).map { Double(bitPattern: $0) }
        case "INT64": output.values = load(UInt64.self).map { Double(Int64(bitPattern: $0)) }
        case "BOOL": output.values = bytes.map { Double($0) }
        case "BYTES":
            var i = 0
            while i + 4 <= bytes.count {
                let n = Int(bytes[i]) | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 24
                output.strings.append(String(decoding: bytes[(i + 4)..<(i + 4 + n)], as: UTF8.self))
                i += 4 + n
            }
        default: Issue.record("unexpected datatype \(output.datatype)")
        }
    }
}
