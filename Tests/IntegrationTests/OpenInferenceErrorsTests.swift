import Foundation
import Testing
import SoftLabelTestSupport

/// Bad inference requests over HTTP: each gets its status, `{"error", "code", "path"}` with the
/// path also at the start of `error` (the only field Triton clients show), and never a 500.
@Suite("HTTP: Open Inference Protocol, errors", .serialized)
final class OpenInferenceErrorsTests {
    let server: TestServer

    init() throws {
        server = try TestServer(maxBodyBytes: 1 << 20, maxElements: 10_000)
    }

    deinit { server.stop() }

    static let logits = V2.Input.matrix("logits", [[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
    static let labels = V2.Input.int64("labels", [0, 2])

    @discardableResult
    func post(_ body: V2.Body, model: String = "loss", headers: [String]? = nil) throws -> CurlClient.Response {
        try CurlClient(base: server.base).request("POST", "/v2/models/\(model)/infer", body: body.bytes, headers: headers ?? body.headers)
    }

    func check(_ r: CurlClient.Response, _ status: Int, _ code: String, path: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == status, "\(r.text)", sourceLocation: sourceLocation)
        let json = r.json
        #expect(json?["code"] as? String == code, "\(r.text)", sourceLocation: sourceLocation)
        let message = json?["error"] as? String ?? ""
        #expect(!message.isEmpty, sourceLocation: sourceLocation)
        if let path {
            #expect(json?["path"] as? String == path, "\(r.text)", sourceLocation: sourceLocation)
            #expect(message.contains(path), "the message names \(path): \(message)", sourceLocation: sourceLocation)
        }
        #expect(r.headers["content-type"] == "application/json", sourceLocation: sourceLocation)
    }

    @Test("NaN and infinity in binary FP32 logits: 422 naming the element")
    func nonFinite() throws {
        var logits = Self.logits
        logits.floats[5] = .nan
        check(try post(V2.body([logits, Self.labels], binary: true)), 422, "non_finite", path: "logits[1][2]")
        logits.floats[5] = 1
        logits.floats[0] = -.infinity
        check(try post(V2.body([logits, Self.labels], binary: true), model: "calibration"), 422, "non_finite", path: "logits[0][0]")
        check(try post(V2.body([logits, Self.labels], binary: true), model: "temperature"), 422, "non_finite", path: "logits[0][0]")
    }

    @Test("shapes: data length, nested rows, binary size, rank, zero rows, labels per row")
    func shapes() throws {
        var wrong = Self.logits
        wrong.shape = [2, 4]
        check(try post(V2.body([wrong, Self.labels], nested: false)), 422, "shape_mismatch", path: "logits")
        check(try post(V2.body([wrong, Self.labels], nested: true)), 422, "shape_mismatch")
        check(try post(V2.body([wrong, Self.labels], binary: true)), 422, "shape_mismatch", path: "inputs[0].parameters.binary_data_size")
        var flat = Self.logits
        flat.shape = [6]
        check(try post(V2.body([flat, Self.labels])), 422, "shape_mismatch", path: "inputs[0].shape")
        check(try post(V2.body([V2.Input.fp32("logits", [], shape: [0, 3]), V2.Input.int64("labels", [])], binary: true)), 422, "shape_mismatch")
        check(try post(V2.body([Self.logits, V2.Input.int64("labels", [0, 1, 2])])), 422, "shape_mismatch", path: "labels")
        var negative = Self.logits
        negative.shape = [-1, 3]
        check(try post(V2.body([negative, Self.labels])), 422, "invalid_value", path: "inputs[0].shape[0]")
    }

    @Test("datatypes: FP64 logits, FP32 labels, an unknown datatype")
    func datatypes() throws {
        var fp64 = Self.logits
        fp64.datatype = "FP64"
        check(try post(V2.body([fp64, Self.labels], binary: true)), 422, "invalid_type", path: "inputs[0].datatype")
        check(try post(V2.body([fp64, Self.labels])), 422, "invalid_type", path: "inputs[0].datatype")
        let floatLabels = V2.Input.fp32("labels", [0, 2], shape: [2])
        check(try post(V2.body([Self.logits, floatLabels])), 422, "invalid_type", path: "inputs[1].datatype")
        var unknown = Self.logits
        unknown.datatype = "FLOAT"
        check(try post(V2.body([unknown, Self.labels])), 422, "invalid_value", path: "inputs[0].datatype")
        var fractional = V2.body([Self.logits, Self.labels])
        fractional.bytes = Array(String(decoding: fractional.bytes, as: UTF8.self).replacingOccurrences(of: "[0,2]", with: "[0,2.5]").utf8)
        check(try post(fractional), 422, "invalid_value", path: "labels[1]")
    }

    @Test("values: label out of range, label_smoothing outside [0, 1], a bad choice, reduction none with output loss")
    func values() throws {
        check(try post(V2.body([Self.logits, V2.Input.int64("labels", [0, 3])], binary: true)), 422, "label_out_of_range", path: "labels[1]")
        check(try post(V2.body([Self.logits, Self.labels], parameters: ["label_smoothing": 1.5])), 422, "invalid_value",
              path: "parameters.label_smoothing")
        check(try post(V2.body([Self.logits, Self.labels], parameters: ["reduction": "avg"])), 422, "invalid_value", path: "parameters.reduction")
        check(try post(V2.body([Self.logits, Self.labels], parameters: ["label_smoothing": "0.1"])), 422, "invalid_type",
              path: "parameters.label_smoothing")
        check(try post(V2.body([Self.logits, Self.labels], parameters: ["reduction": "none"], outputs: [("loss", nil)])), 422, "invalid_value")
        check(try post(V2.body([Self.logits, Self.labels], parameters: ["gamma": 2])), 422, "conflicting_fields", path: "parameters.gamma")
        check(try post(V2.body([Self.labels], parameters: ["label_smoothing": 0.1, "num_classes": 0]), model: "smooth"), 422, "invalid_value",
              path: "parameters.num_classes")
        check(try post(V2.body([Self.labels], parameters: ["num_classes": 3]), model: "smooth"), 422, "missing_field",
              path: "parameters.label_smoothing")
    }

    @Test("names: unknown input, output, parameter, field; duplicates; missing inputs; model_name mismatch")
    func names() throws {
        check(try post(V2.body([Self.logits, Self.labels, .int64("label", [0])])), 422, "unknown_field", path: "inputs[2].name")
        check(try post(V2.body([Self.logits, Self.labels], outputs: [("los", nil)])), 422, "unknown_field", path: "outputs[0].name")
        check(try post(V2.body([Self.logits, Self.labels], parameters: ["label_smoothin": 0.1])), 422, "unknown_field",
              path: "parameters.label_smoothin")
        check(try post(V2.body([Self.logits, Self.labels], extra: ["input": []])), 422, "unknown_field", path: "input")
        check(try post(V2.body([Self.logits, Self.logits, Self.labels])), 422, "invalid_value", path: "inputs[1].name")
        check(try post(V2.body([Self.logits, Self.labels], outputs: [("loss", nil), ("loss", true)])), 422, "invalid_value")
        check(try post(V2.body([Self.labels])), 422, "missing_field", path: "logits")
        check(try post(V2.body([Self.logits])), 422, "missing_field", path: "labels")
        check(try post(V2.Body(bytes: Array(#"{"id": "x"}"#.utf8))), 422, "missing_field", path: "inputs")
        check(try post(V2.body([Self.logits, Self.labels], extra: ["model_name": "smooth"])), 422, "invalid_value", path: "model_name")
        let classification = Array(#"{"inputs": [], "outputs": [{"name": "loss", "parameters": {"classification": 3}}]}"#.utf8)
        check(try post(V2.Body(bytes: classification)), 422, "invalid_value", path: "outputs[0].parameters.classification")
        let sharedMemory = Array(#"{"inputs": [{"name": "logits", "shape": [1, 1], "datatype": "FP32", "parameters": {"shared_memory_region": "r"}}]}"#.utf8)
        check(try post(V2.Body(bytes: sharedMemory)), 422, "unknown_field", path: "inputs[0].parameters.shared_memory_region")
        let both = Array(#"{"inputs": [{"name": "logits", "shape": [1, 1], "datatype": "FP32", "data": [1], "parameters": {"binary_data_size": 4}}]}"#.utf8) + [0, 0, 0, 0]
        check(try post(V2.Body(bytes: both, headerLength: both.count - 4)), 422, "conflicting_fields")
        let noData = Array(#"{"inputs": [{"name": "logits", "shape": [1, 1], "datatype": "FP32"}]}"#.utf8)
        check(try post(V2.Body(bytes: noData)), 422, "missing_field", path: "inputs[0].data")
    }

    @Test("framing: header length, binary sizes, leftover bytes, missing header, malformed JSON, empty body")
    func framing() throws {
        let good = V2.body([Self.logits, Self.labels], binary: true)
        let json = V2.body([Self.logits, Self.labels])
        check(try post(good, headers: ["Content-Type: application/octet-stream", "Inference-Header-Content-Length: \(good.bytes.count + 1)"]),
              400, "malformed_json")
        check(try post(good, headers: ["Content-Type: application/octet-stream", "Inference-Header-Content-Length: 12x"]), 400, "bad_header")
        check(try post(good, headers: ["Content-Type: application/octet-stream", "Inference-Header-Content-Length: -5"]), 400, "bad_header")
        check(try post(good, headers: ["Content-Type: application/octet-stream"]), 400, "missing_header")
        check(try post(V2.Body(bytes: Array(good.bytes.dropLast(3)), headerLength: good.headerLength)), 400, "malformed_json",
              path: "inputs[1].parameters.binary_data_size")
        check(try post(V2.Body(bytes: good.bytes + [1, 2, 3], headerLength: good.headerLength)), 400, "malformed_json")
        check(try post(V2.Body(bytes: json.bytes + [1, 2, 3, 4], headerLength: json.bytes.count)), 400, "malformed_json")
        check(try post(V2.Body(bytes: json.bytes, headerLength: json.bytes.count - 2)), 400, "malformed_json")
        let binaryWithoutSection = Array(#"{"inputs": [{"name": "labels", "shape": [1], "datatype": "INT64", "parameters": {"binary_data_size": 8}}]}"#.utf8)
        check(try post(V2.Body(bytes: binaryWithoutSection)), 400, "missing_binary_data")
        check(try post(V2.Body(bytes: Array(#"{"inputs": [}"#.utf8))), 400, "malformed_json")
        check(try post(V2.Body(bytes: Array(#"{"inputs": [{"name": "logits", "shape": [1], "datatype": "FP32", "data": [1,]}]}"#.utf8))), 400, "malformed_json")
        check(try post(V2.Body(bytes: [])), 400, "empty_body")
        check(try post(V2.Body(bytes: Array("[1, 2]".utf8))), 422, "invalid_type")
    }

    @Test("415 content type, 413 body, 422 element limit")
    func limits() throws {
        let json = V2.body([Self.logits, Self.labels])
        check(try post(json, headers: ["Content-Type: text/plain"]), 415, "unsupported_media_type")
        check(try post(json, headers: ["Content-Type: application/x-www-form-urlencoded"]), 415, "unsupported_media_type")
        #expect(try post(json, headers: ["Content-Type: application/json; charset=utf-8"]).status == 200)
        let big = V2.Input.fp32("logits", [Float](repeating: 0, count: 20_000), shape: [200, 100])
        check(try post(V2.body([big, .int64("labels", [Int](repeating: 0, count: 200))], binary: true)), 422, "too_large",
              path: "inputs[0].shape")
        let huge = V2.Input.fp32("logits", [], shape: [100_000, 100_000])
        check(try post(V2.body([huge, Self.labels])), 422, "too_large")
        let r = try post(V2.Body(bytes: [UInt8](repeating: 0x20, count: 2 << 20)))
        #expect(r.status == 413)
    }

    @Test("truncated and corrupted binary requests: 4xx, never 5xx")
    func corrupted() throws {
        let good = V2.body([Self.logits, Self.labels, .fp32("weight", [1, 2, 3], shape: [3])], binary: true,
                           parameters: ["label_smoothing": 0.1], outputs: [("gradient", true)])
        let client = CurlClient(base: server.base)
        let seed = SeededGenerator.seed(default: 0x5EED0003)  // replay: SOFTLABEL_TEST_SEED=<seed>
        var g = SeededGenerator(seed: seed)
        for i in 0..<150 {
            var bytes = good.bytes
            var headerLength = good.headerLength!
            switch i % 3 {
            case 0: bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &g)))
            case 1: bytes[Int.random(in: 0..<bytes.count, using: &g)] = UInt8.random(in: 0...255, using: &g)
            default: headerLength = Int.random(in: 0...bytes.count, using: &g)
            }
            let r = try client.request("POST", "/v2/models/loss/infer", body: bytes,
                                       headers: ["Content-Type: application/octet-stream", "Inference-Header-Content-Length: \(headerLength)"])
            #expect(r.status < 500, "seed \(seed) case \(i): \(r.status) \(r.text.prefix(200))")
            if r.status != 200 { #expect(r.json?["error"] is String, "case \(i)") }
        }
    }
}
