import Foundation
import Testing
import SoftLabelTestSupport

/// `/v1/representation`, its merge, the projection diagram and the Open Inference
/// `representation` model against the real server: every lens.json representation case as v1
/// JSON, as JSON tensors and as binary tensors (with binary outputs), the model's `state` merged
/// through v1, and errors as JSON bodies naming the tensor or parameter.
@Suite("HTTP: representation", .serialized)
final class RepresentationOverHTTPTests {
    let server: TestServer

    init() throws { server = try TestServer() }
    deinit { server.stop() }

    static var cases: [FixtureCase] {
        get throws { try Fixtures.cases("lens").filter { $0.endpoint == "/v1/representation" } }
    }

    @Test("every representation case over one kept-alive connection, and its diagram")
    func fixtures() throws {
        let client = CurlClient(base: server.base)
        for c in try Self.cases {
            let r = try client.request("POST", c.endpoint, body: c.requestBytes)
            #expect(r.status == 200, "\(c.name): \(r.text.prefix(300))")
            let mismatch = Tolerance.mismatch(try #require(r.json), c.expected, rtol: c.rtol, atol: c.atol)
            #expect(mismatch == nil, "\(c.name): \(mismatch ?? "")")
            #expect(r.headers["content-type"] == "application/json")
            if c.request["weights"] != nil {
                let svg = try client.request("POST", "/v1/projection-diagram", body: c.requestBytes)
                #expect(svg.status == 200 && svg.headers["content-type"] == "image/svg+xml", "\(c.name)")
                #expect(svg.text.hasSuffix("</svg>\n"))
            }
        }
        #expect(client.connectionsOpened == 1)
    }

    /// The v2 request of a fixture case: features and weights FP32, labels INT64 (INT32 for odd
    /// names), num_classes and projection_classes as parameters.
    static func v2(_ c: FixtureCase, binary: Bool, outputs: [(String, Bool?)]?, binaryOutput: Bool? = nil) -> V2.Body {
        var inputs: [V2.Input] = [.matrix("features", JSONAny.rows(c.request["features"]))]
        let labels = JSONAny.ints(c.request["labels"])
        inputs.append(c.name.count % 2 == 0 ? .int64("labels", labels) : .int32("labels", labels))
        if let w = c.request["weights"] { inputs.append(.matrix("weights", JSONAny.rows(w))) }
        var parameters: [String: Any] = [:]
        if let k = c.request["num_classes"] { parameters["num_classes"] = k }
        // A Triton client's parameters are scalars: the classes also travel as "a,b,c".
        if let classes = c.request["projection_classes"] {
            parameters["projection_classes"] = binary ? JSONAny.ints(classes).map(String.init).joined(separator: ",") : classes
        }
        if let binaryOutput { parameters["binary_data_output"] = binaryOutput }
        return V2.body(inputs, binary: binary, nested: !binary, parameters: parameters, outputs: outputs)
    }

    /// The response's outputs in the v1 response shape.
    static func v1Shape(_ r: V2.Response) throws -> [String: Any] {
        var v1: [String: Any] = [:]
        for name in ["count", "num_classes_present", "class_separation_r2", "within_distance", "total_distance",
                     "within_class_variance", "between_class_variance", "variance_ratio"] {
            v1[name] = try #require(r.outputs[name], "no output \(name)").scalar
        }
        v1["feature_norm"] = ["mean": try #require(r.outputs["feature_norm_mean"]).scalar,
                              "per_class": try #require(r.outputs["feature_norm_per_class"]).json]
        if let classes = r.outputs["projection_classes"] {
            v1["projection"] = ["classes": classes.json, "templates": try #require(r.outputs["projection_templates"]).json,
                                "points": try #require(r.outputs["projection_points"]).json,
                                "labels": try #require(r.outputs["projection_labels"]).json]
        }
        return v1
    }

    @Test("the Open Inference model: JSON tensors, binary tensors with binary outputs, and binary_data_output")
    func openInference() throws {
        let client = CurlClient(base: server.base)
        for (i, c) in try Self.cases.enumerated() {
            for mode in 0..<3 {
                let body = switch mode {
                case 0: Self.v2(c, binary: false, outputs: nil)
                case 1: Self.v2(c, binary: true, outputs: nil, binaryOutput: true)
                default: Self.v2(c, binary: true, outputs: nil)
                }
                let r = try client.request("POST", "/v2/models/representation/infer", body: body.bytes, headers: body.headers)
                #expect(r.status == 200, "\(c.name) mode \(mode): \(r.text.prefix(300))")
                guard r.status == 200 else { continue }
                let response = try V2.parse(r)
                #expect(response.outputs.values.allSatisfy { $0.binary == (mode == 1) }, "\(c.name) mode \(mode)")
                #expect(response.outputs["state"] == nil, "state only when requested")
                let mismatch = Tolerance.mismatch(try Self.v1Shape(response), c.expected, rtol: c.rtol, atol: c.atol)
                #expect(mismatch == nil, "\(c.name) mode \(mode) (case \(i)): \(mismatch ?? "")")
            }
        }
    }

    @Test("the model's state output merges through /v1/representation/merge to the v1 answer")
    func stateThroughMerge() throws {
        let client = CurlClient(base: server.base)
        let c = try #require(try Self.cases.first { $0.request["weights"] == nil })
        for binary in [false, true] {
            let body = Self.v2(c, binary: binary, outputs: [("state", binary), ("count", nil)])
            let r = try client.request("POST", "/v2/models/representation/infer", body: body.bytes, headers: body.headers)
            #expect(r.status == 200, "\(r.text.prefix(300))")
            let response = try V2.parse(r)
            #expect(response.order == ["state", "count"])
            let state = try #require(response.outputs["state"]?.strings.first)
            let merged = try client.request("POST", "/v1/representation/merge", body: Array(#"{"states": ["#.utf8) + Array(state.utf8) + Array("]}".utf8))
            #expect(merged.status == 200, "\(merged.text.prefix(300))")
            let mismatch = Tolerance.mismatch(try #require(merged.json), c.expected, rtol: 1e-9, atol: 1e-12)
            #expect(mismatch == nil, "binary \(binary): \(mismatch ?? "")")
        }
    }

    @Test("errors: zero row over v1 and v2 (binary), missing projection_classes, collinear templates")
    func errors() throws {
        let client = CurlClient(base: server.base)
        let v1 = try client.request("POST", "/v1/representation", body: Array(#"{"features": [[1, 2], [0, 0]], "labels": [0, 1]}"#.utf8))
        #expect(v1.status == 422 && v1.json?["path"] as? String == "features[1]" && v1.json?["code"] as? String == "invalid_value")
        let zero = V2.body([.matrix("features", [[1, 2], [0, 0]]), .int64("labels", [0, 1])], binary: true)
        var r = try client.request("POST", "/v2/models/representation/infer", body: zero.bytes, headers: zero.headers)
        #expect(r.status == 422 && r.json?["path"] as? String == "features[1]", "\(r.text)")
        #expect((r.json?["error"] as? String ?? "").hasPrefix("features[1]: "))
        let nan = V2.body([.matrix("features", [[1, .nan]]), .int64("labels", [0])], binary: true)
        r = try client.request("POST", "/v2/models/representation/infer", body: nan.bytes, headers: nan.headers)
        #expect(r.status == 422 && r.json?["path"] as? String == "features[0][1]" && r.json?["code"] as? String == "non_finite", "\(r.text)")
        let weights: [[Float]] = [[0, 0], [1, 1], [2, 2]]
        let noClasses = V2.body([.matrix("features", [[1, 2]]), .int64("labels", [0]), .matrix("weights", weights)])
        r = try client.request("POST", "/v2/models/representation/infer", body: noClasses.bytes, headers: noClasses.headers)
        #expect(r.status == 422 && r.json?["path"] as? String == "parameters.projection_classes", "\(r.text)")
        let collinear = V2.body([.matrix("features", [[1, 2]]), .int64("labels", [0]), .matrix("weights", weights)],
                                parameters: ["projection_classes": [0, 1, 2]])
        r = try client.request("POST", "/v2/models/representation/infer", body: collinear.bytes, headers: collinear.headers)
        #expect(r.status == 422 && r.json?["path"] as? String == "parameters.projection_classes", "\(r.text)")
        let noFeatures = V2.body([.int64("labels", [0])])
        r = try client.request("POST", "/v2/models/representation/infer", body: noFeatures.bytes, headers: noFeatures.headers)
        #expect(r.status == 422 && r.json?["path"] as? String == "features", "\(r.text)")
    }
}
