import SoftLabelService

/// One request as the service gets it: route, configuration, body bytes and (for inference) the
/// `Inference-Header-Content-Length`, built from a fuzz input by parsing its seed, applying its
/// mutations and encoding binary tensors.
struct FuzzRequest {
    var route: FuzzRoute
    var defaultConfiguration: Bool
    var body: [UInt8]
    /// nil: no header (JSON only). Always in 0...999_999_999_999_999_999, as the HTTP layer passes it.
    var headerLength: Int?
    /// The request tree after the mutations (before binary encoding); nil for verbatim bodies.
    var tree: FuzzJSON?

    static let maxHeaderLength = 999_999_999_999_999_999

    init(_ input: FuzzInput) {
        route = input.fuzzRoute
        defaultConfiguration = input.usesDefaultConfiguration
        tree = nil
        guard !input.isVerbatim, var parsed = FuzzJSON.parse(input.seed) else {
            body = Array(input.seed)
            headerLength = nil
            if route.isBinary { headerLength = input.isVerbatim ? input.verbatimHeaderLength : body.count }
            return
        }
        var mutator = Mutator(tree: parsed, route: route)
        for op in input.operations { mutator.apply(op.op, selector: op.selector, a: op.a, b: op.b) }
        parsed = mutator.tree
        tree = parsed
        let (header, binary) = BinaryTensorEncoding.encode(&parsed, route: route, knobs: mutator.knobs)
        body = header + binary + mutator.knobs.trailing
        switch mutator.knobs.headerLength {
        case .standard: headerLength = route.isBinary ? header.count : nil
        case .offset(let d): headerLength = max(0, header.count + d)
        case .fixed(let v): headerLength = v
        case .absent: headerLength = nil
        }
        headerLength = headerLength.map { min($0, Self.maxHeaderLength) }
    }

    /// Runs the request on `service`.
    func run(_ service: SoftLabelService) -> ServiceResponse {
        switch route {
        case .v1(let path): service.call(path, body: body)
        case .infer(let model, _): service.infer(model: model, body: body, inferenceHeaderContentLength: headerLength)
        }
    }

    /// The request for a report: route, configuration, header length, and the body (the JSON part
    /// as text, the binary section in hex), cut to `limit` characters.
    func describe(limit: Int = 4000) -> String {
        var s = "route: \(route)\nconfiguration: \(defaultConfiguration ? "default" : "small (FuzzTarget.smallConfiguration)")\n"
        if route.isInference { s += "Inference-Header-Content-Length: \(headerLength.map(String.init) ?? "absent")\n" }
        let split = min(body.count, headerLength ?? body.count)
        let text = String(decoding: body[..<split], as: UTF8.self)
        s += "body (\(body.count) bytes): " + (text.count > limit ? String(text.prefix(limit)) + "…" : text)
        if split < body.count {
            let hex = body[split...].prefix(limit / 2).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
            s += "\nbinary section (\(body.count - split) bytes, hex): " + hex + (body.count - split > limit / 2 ? "…" : "")
        }
        return s
    }
}
