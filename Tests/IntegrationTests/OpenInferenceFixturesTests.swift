import Foundation
import Testing
import SoftLabelKernels
import SoftLabelTestSupport

/// Every reference case of `Tests/Fixtures`, translated into an Open Inference Protocol
/// request (matrices and vectors as input tensors, scalars as parameters, expected fields as
/// requested outputs) and sent over HTTP three ways: JSON tensors (nested or flat), binary
/// tensors with binary outputs, and binary tensors with `binary_data_output`.
@Suite("HTTP: Open Inference Protocol, fixtures", .serialized)
final class OpenInferenceFixturesTests {
    let server: TestServer

    init() throws { server = try TestServer() }
    deinit { server.stop() }

    static let models = ["/v1/smooth": "smooth", "/v1/loss": "loss", "/v1/calibration": "calibration", "/v1/temperature": "temperature"]
    /// Request fields that are matrices (FP32 [B, K]) and vectors (FP32 [K]); `labels` is INT64.
    static let matrixFields: Set<String> = ["logits", "targets", "teacher_logits", "similarity", "probabilities"]
    static let vectorFields: Set<String> = ["weight", "prior"]

    /// The v2 request for a fixture case.
    static func request(_ c: FixtureCase, binary: Bool, nested: Bool, outputs: [(String, Bool?)], binaryOutput: Bool?) -> V2.Body {
        var inputs: [V2.Input] = []
        var parameters: [String: Any] = [:]
        for (key, value) in c.request.sorted(by: { $0.key < $1.key }) {
            if matrixFields.contains(key) {
                inputs.append(.matrix(key, JSONAny.rows(value)))
            } else if vectorFields.contains(key) {
                let v = JSONAny.floats(value)
                inputs.append(.fp32(key, v, shape: [v.count]))
            } else if key == "labels" {
                // INT32 for some cases: both integer datatypes are accepted.
                let labels = JSONAny.ints(value)
                inputs.append(c.name.count % 2 == 0 ? .int64(key, labels) : .int32(key, labels))
            } else if key != "return" {
                parameters[key] = value
            }
        }
        if let binaryOutput { parameters["binary_data_output"] = binaryOutput }
        return V2.body(inputs, binary: binary, nested: nested, parameters: parameters, outputs: outputs)
    }

    /// The outputs that carry the expected fields.
    static func outputNames(_ expected: [String: Any]) -> [String] {
        expected.keys.sorted().flatMap { key -> [String] in
            switch key {
            case "reliability": ["reliability_lower", "reliability_upper", "reliability_count", "reliability_confidence", "reliability_accuracy"]
            case "top_k_accuracy": ["top_k", "top_k_accuracy"]
            default: [key]
            }
        }
    }

    /// The response's outputs in the v1 response shape, for the fixture's tolerance check.
    static func v1Shape(_ r: V2.Response, expected: [String: Any]) throws -> [String: Any] {
        var v1: [String: Any] = [:]
        for key in expected.keys {
            switch key {
            case "reliability":
                let o = try ["lower", "upper", "count", "confidence", "accuracy"].map { try #require(r.outputs["reliability_\($0)"]) }
                v1[key] = (0..<o[0].values.count).map { i -> [String: Any] in
                    let nullable = { (x: Double) -> Any in x.isNaN ? NSNull() : x }
                    return ["lower": o[0].values[i], "upper": o[1].values[i], "count": o[2].values[i],
                            "mean_confidence": nullable(o[3].values[i]), "accuracy": nullable(o[4].values[i])]
                }
            case "top_k_accuracy":
                let ks = try #require(r.outputs["top_k"]).values
                let accuracy = try #require(r.outputs["top_k_accuracy"]).values
                v1[key] = Dictionary(uniqueKeysWithValues: zip(ks.map { String(Int($0)) }, accuracy))
            default:
                let output = try #require(r.outputs[key], "no output \(key)")
                v1[key] = output.shape == [1] && (expected[key] is NSNumber || expected[key] is NSNull) ? output.scalar : output.json
            }
        }
        return v1
    }

    @Test("every fixture as JSON tensors, nested and flat, with JSON outputs")
    func json() throws {
        try run(binary: false) { i in (i % 2 == 0, false, nil) }
    }

    @Test("every fixture as binary tensors: per-output binary_data, and binary_data_output")
    func binary() throws {
        try run(binary: true) { i in (true, i % 2 == 0, i % 2 == 0 ? nil : true) }
    }

    /// Runs every case; `mode(i)` gives (nested, per-output binary_data, binary_data_output).
    func run(binary: Bool, _ mode: (Int) -> (Bool, Bool, Bool?)) throws {
        let client = CurlClient(base: server.base)
        let cases = try Fixtures.cases("smoothing") + Fixtures.cases("loss") + Fixtures.cases("calibration")
        for (i, c) in cases.enumerated() {
            let model = try #require(Self.models[c.endpoint])
            let (nested, perOutputBinary, binaryOutput) = mode(i)
            let names = Self.outputNames(c.expected)
            let outputs: [(String, Bool?)] = names.map { ($0, binaryOutput == nil ? perOutputBinary : nil) }
            let body = Self.request(c, binary: binary, nested: nested, outputs: outputs, binaryOutput: binaryOutput)
            let r = try client.request("POST", "/v2/models/\(model)/infer", body: body.bytes, headers: body.headers)
            #expect(r.status == 200, "\(c.name): \(r.text.prefix(400))")
            guard r.status == 200 else { continue }
            let response = try V2.parse(r)
            #expect(response.order == names, "\(c.name): outputs \(response.order)")
            let wantBinary = binaryOutput ?? perOutputBinary
            #expect(response.outputs.values.allSatisfy { $0.binary == wantBinary }, "\(c.name)")
            #expect(r.headers["content-type"] == (wantBinary ? "application/octet-stream" : "application/json"), "\(c.name)")
            let actual = try Self.v1Shape(response, expected: c.expected)
            let mismatch = Tolerance.mismatch(actual, c.expected, rtol: c.rtol, atol: c.atol)
            #expect(mismatch == nil, "\(c.name) (v2, binary \(binary)): \(mismatch ?? "")")
        }
        #expect(client.connectionsOpened == 1)
    }
}
