import Foundation
import Testing
import SoftLabelTestSupport

/// `method` on POST /v1/temperature over HTTP: the lens.json vector/matrix scaling cases, the
/// response fields, the errors, and the Open Inference `temperature` model with `method`.
@Suite("HTTP: vector and matrix scaling", .serialized)
final class ScalingOverHTTPTests {
    let server: TestServer

    init() throws { server = try TestServer() }
    deinit { server.stop() }

    static let scalingFields: Set<String> = ["method", "objective", "weights", "bias", "nll_before", "nll_after", "ece_before", "ece_after",
                                             "accuracy_before", "accuracy_after", "iterations", "converged"]

    func post(_ body: [String: Any]) throws -> CurlClient.Response {
        try CurlClient(base: server.base).request("POST", "/v1/temperature", body: [UInt8](JSONSerialization.data(withJSONObject: body)))
    }

    func check(_ r: CurlClient.Response, _ status: Int, _ code: String, path: String) {
        #expect(r.status == status, "\(r.text)")
        #expect(r.json?["code"] as? String == code, "\(r.text)")
        #expect(r.json?["path"] as? String == path, "\(r.text)")
        #expect((r.json?["error"] as? String)?.isEmpty == false)
    }

    @Test("every lens.json vector/matrix scaling case: objective, nll_before, nll_after, the response's fields and shapes")
    func fixtures() throws {
        let cases = try Fixtures.cases("lens").filter { $0.endpoint == "/v1/temperature" }
        #expect(cases.count == 5)
        let client = CurlClient(base: server.base)
        for c in cases {
            let r = try client.request("POST", c.endpoint, body: c.requestBytes)
            #expect(r.status == 200, "\(c.name): \(r.text.prefix(300))")
            let json = try #require(r.json, "\(c.name): not JSON")
            let mismatch = Tolerance.mismatch(json, c.expected, rtol: c.rtol, atol: c.atol)
            #expect(mismatch == nil, "\(c.name): \(mismatch ?? "")")
            #expect(Set(json.keys) == Self.scalingFields, "\(c.name): \(json.keys.sorted())")
            let method = c.request["method"] as! String
            #expect(json["method"] as? String == method && json["converged"] as? Bool == true)
            let k = (c.request["logits"] as! [[Any]])[0].count
            if method == "matrix" {
                let w = try #require(json["weights"] as? [[Double]])
                #expect(w.count == k && w.allSatisfy { $0.count == k })
            } else {
                #expect((json["weights"] as? [Double])?.count == k)
            }
            #expect((json["bias"] as? [Double])?.count == k)
            for key in ["ece_before", "ece_after", "accuracy_before", "accuracy_after"] { #expect(json[key] is Double, "\(c.name): \(key)") }
        }
    }

    @Test("method temperature (explicit or absent) answers as before")
    func temperature() throws {
        let body: [String: Any] = ["logits": [[2.0, 0.5, -1.0], [0.1, 0.2, 3.0], [1.0, 2.0, 0.0]], "labels": [0, 2, 0]]
        let plain = try post(body)
        var explicit = body
        explicit["method"] = "temperature"
        let named = try post(explicit)
        #expect(plain.status == 200 && named.status == 200)
        #expect(plain.text == named.text)
        #expect(Set(plain.json!.keys) == ["temperature", "nll_before", "nll_after", "ece_before", "ece_after", "iterations", "converged", "bound"])
    }

    @Test("errors: unknown method, odir misuse and shape, K over the matrix limit")
    func errors() throws {
        let logits = [[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]], labels = [0, 2]
        check(try post(["logits": logits, "labels": labels, "method": "dirichlet"]), 422, "invalid_value", path: "method")
        check(try post(["logits": logits, "labels": labels, "method": 3]), 422, "invalid_type", path: "method")
        check(try post(["logits": logits, "labels": labels, "method": "vector", "odir": ["lambda": 0.1, "mu": 0.1]]), 422, "conflicting_fields", path: "odir")
        check(try post(["logits": logits, "labels": labels, "odir": ["lambda": 0.1, "mu": 0.1]]), 422, "conflicting_fields", path: "odir")
        check(try post(["logits": logits, "labels": labels, "method": "matrix", "odir": ["lambda": 0.1]]), 422, "missing_field", path: "odir.mu")
        check(try post(["logits": logits, "labels": labels, "method": "matrix", "odir": ["lambda": -0.1, "mu": 0]]), 422, "invalid_value", path: "odir.lambda")
        check(try post(["logits": logits, "labels": labels, "method": "matrix", "odir": ["lambda": 0.1, "mu": 0, "nu": 1]]), 422, "unknown_field", path: "odir.nu")
        check(try post(["logits": logits, "labels": labels, "method": "matrix", "odir": 0.1]), 422, "invalid_type", path: "odir")
        let wide = [[Double](repeating: 0, count: 1001)]
        let r = try post(["logits": wide, "labels": [0], "method": "matrix"])
        check(r, 422, "too_large", path: "method")
        #expect((r.json?["error"] as? String)?.contains("1000") == true)
        #expect(try post(["logits": wide, "labels": [0], "method": "vector"]).status == 200)
    }

    @Test("Open Inference temperature model: parameter method with odir, weights [K, K], the v1 answer")
    func openInference() throws {
        let c = try #require(try Fixtures.cases("lens").first { $0.name == "scaling_matrix_n500_k4_l0.01" })
        let rows = JSONAny.rows(c.request["logits"]), labels = JSONAny.ints(c.request["labels"])
        let client = CurlClient(base: server.base)
        let body = V2.body([.matrix("logits", rows), .int64("labels", labels)], parameters: ["method": "matrix", "odir": ["lambda": 0.01, "mu": 0.01]])
        let r = try client.request("POST", "/v2/models/temperature/infer", body: body.bytes)
        #expect(r.status == 200, "\(r.text.prefix(300))")
        let response = try V2.parse(r)
        #expect(response.outputs["weights"]?.shape == [4, 4] && response.outputs["bias"]?.shape == [4])
        let v1 = try #require(try client.request("POST", "/v1/temperature", body: c.requestBytes).json)
        #expect(response.outputs["objective"]?.values == [(v1["objective"] as! NSNumber).doubleValue])
        #expect(response.outputs["weights"]?.values == (v1["weights"] as! [[Double]]).flatMap { $0 })
        #expect(response.outputs["temperature"] == nil && response.outputs["converged"]?.values == [1])
        // Temperature outputs are not produced by matrix scaling; unknown methods name the parameter.
        let asked = V2.body([.matrix("logits", rows), .int64("labels", labels)], parameters: ["method": "vector"], outputs: [("temperature", nil)])
        #expect(try client.request("POST", "/v2/models/temperature/infer", body: asked.bytes).status == 422)
        let wrong = V2.body([.matrix("logits", rows), .int64("labels", labels)], parameters: ["method": "affine"])
        let e = try client.request("POST", "/v2/models/temperature/infer", body: wrong.bytes)
        #expect(e.status == 422 && e.json?["path"] as? String == "parameters.method", "\(e.text)")
    }
}
