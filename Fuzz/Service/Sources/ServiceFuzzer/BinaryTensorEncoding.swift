/// Turns an inference request whose input tensors carry JSON `data` into Triton's
/// `binary_tensor_data` form: each input chosen for binary loses `data`, gains
/// `parameters.binary_data_size`, and its values follow the JSON header as little-endian bytes of
/// the tensor's declared datatype (whatever the datatype says, also when it is wrong for the
/// model: that is for the service to reject). Non-number values encode as 0; `BYTES` elements
/// as a 4-byte length and their text, as Triton does.
enum BinaryTensorEncoding {
    /// The JSON header and the binary section for `tree` on `route`.
    static func encode(_ tree: inout FuzzJSON, route: FuzzRoute, knobs: BinaryKnobs) -> (header: [UInt8], binary: [UInt8]) {
        var binary: [UInt8] = []
        if case .object(var entries) = tree, let k = entries.firstIndex(where: { $0.key == "inputs" }),
           case .array(var inputs) = entries[k].value {
            for i in inputs.indices {
                let wantsBinary = route.isBinary != knobs.toggled.contains(i)
                guard wantsBinary, let data = inputs[i]["data"] else { continue }
                var leaves: [FuzzJSON] = []
                data.leaves(into: &leaves)
                let datatype: String
                if case .string(let d)? = inputs[i]["datatype"] { datatype = d } else { datatype = "FP32" }
                let bytes = encode(leaves, datatype: datatype)
                binary += bytes
                var size: FuzzJSON = .number(String(bytes.count))
                switch knobs.sizeOverrides[i] {
                case .delta(let d)?: size = .number(String(bytes.count + d))
                case .value(let v)?: size = v
                case nil: break
                }
                var parameters = inputs[i]["parameters"] ?? .object([])
                if case .object = parameters {} else { parameters = .object([]) }
                parameters.set("binary_data_size", size)
                inputs[i].remove("data")
                inputs[i].set("parameters", parameters)
            }
            entries[k].value = .array(inputs)
            tree = .object(entries)
        }
        return (Array(tree.text.utf8), binary)
    }

    static func encode(_ leaves: [FuzzJSON], datatype: String) -> [UInt8] {
        var out: [UInt8] = []
        func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        for leaf in leaves {
            let text: String
            switch leaf {
            case .number(let t), .raw(let t), .string(let t): text = t
            case .bool(let b): text = b ? "1" : "0"
            default: text = "0"
            }
            let d = Double(text) ?? 0
            switch datatype {
            case "FP64": append(d.bitPattern)
            case "INT64", "UINT64": append(integer(text, d))
            case "INT32", "UINT32": append(Int32(truncatingIfNeeded: integer(text, d)))
            case "INT16", "UINT16": append(Int16(truncatingIfNeeded: integer(text, d)))
            case "INT8", "UINT8": append(Int8(truncatingIfNeeded: integer(text, d)))
            case "BOOL": out.append(d != 0 ? 1 : 0)
            case "FP16", "BF16": append(UInt16(truncatingIfNeeded: Float(d).bitPattern >> 16))
            case "BYTES":
                append(UInt32(text.utf8.count))
                out += text.utf8
            default: append(Float(d).bitPattern)
            }
        }
        return out
    }

    /// The integer a number text denotes, wrapped to 64 bits like a C cast (2^63 → Int64.min).
    static func integer(_ text: String, _ d: Double) -> Int64 {
        if let v = Int64(text) { return v }
        if let v = UInt64(text) { return Int64(bitPattern: v) }
        guard d.isFinite else { return d.isNaN ? 0 : (d > 0 ? .max : .min) }
        if d >= 9.223372036854775807e18 { return .max }
        if d <= -9.223372036854775808e18 { return .min }
        return Int64(d.rounded(.towardZero))
    }
}
