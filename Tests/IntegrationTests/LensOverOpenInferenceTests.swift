import Foundation
import Testing
import SoftLabelTestSupport

/// The `logit_gap` and `selective` cases of lens.json through the Open Inference `calibration`
/// model over HTTP: `metrics` becomes the requested `logit_gap_*` / `selective_*` outputs, the
/// options become parameters, and the outputs, put back into the v1 objects, match the reference
/// and equal /v1/calibration's answer exactly, with JSON tensors and JSON outputs and with
/// binary tensors and binary outputs.
@Suite("HTTP: logit gap and selective reference vectors through Open Inference", .serialized)
final class LensOverOpenInferenceTests {
    let server: TestServer

    init() throws { server = try TestServer() }
    deinit { server.stop() }

    static let outputs = [
        "logit_gap": ["logit_gap_mean", "logit_gap_std", "logit_gap_min", "logit_gap_max", "logit_gap_quantiles", "logit_gap_top2_mean",
                      "logit_gap_norm_mean", "logit_gap_optimal", "logit_gap_beyond_optimal", "logit_gap_infinite"],
        "selective": ["selective_aurc", "selective_augrc", "selective_coverages", "selective_risk_at_coverage",
                      "selective_misclassification_auroc"],
    ]
    static let quantileKeys = ["0.05", "0.25", "0.5", "0.75", "0.95"]

    /// The v2 request of a lens case: matrices and labels as tensors, other fields as parameters
    /// (`coverages` as the comma-separated string a Triton client sends when `binary`).
    static func request(_ c: FixtureCase, binary: Bool) -> V2.Body {
        var inputs: [V2.Input] = []
        var parameters: [String: Any] = [:]
        var names: [String] = []
        for (key, value) in c.request.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "logits", "probabilities": inputs.append(.matrix(key, JSONAny.rows(value)))
            case "labels": inputs.append(.int64(key, JSONAny.ints(value)))
            case "metrics": names = (value as! [String]).flatMap { outputs[$0]! }
            case "coverages" where binary:
                parameters[key] = (value as! [NSNumber]).map { "\($0.doubleValue)" }.joined(separator: ",")
            default: parameters[key] = value
            }
        }
        return V2.body(inputs, binary: binary, parameters: parameters, outputs: names.map { ($0, binary) })
    }

    /// The outputs as /v1/calibration's `logit_gap` and `selective` objects.
    static func v1Shape(_ r: V2.Response) throws -> [String: Any] {
        func value(_ name: String) throws -> Any { try #require(r.outputs[name], "no output \(name)").scalar }
        var v1: [String: Any] = [:]
        if r.outputs["logit_gap_mean"] != nil {
            var gap: [String: Any] = [:]
            for field in ["mean", "std", "min", "max", "top2_mean", "norm_mean", "optimal", "beyond_optimal", "infinite"] {
                gap[field] = try value("logit_gap_\(field)")
            }
            let quantiles = try #require(r.outputs["logit_gap_quantiles"])
            #expect(quantiles.shape == [5] && quantiles.datatype == "FP64")
            #expect(r.outputs["logit_gap_infinite"]?.datatype == "INT64")
            gap["quantiles"] = Dictionary(uniqueKeysWithValues: zip(quantileKeys, quantiles.values.map { $0.isNaN ? NSNull() : $0 as Any }))
            v1["logit_gap"] = gap
        }
        if r.outputs["selective_aurc"] != nil {
            var selective: [String: Any] = [:]
            for field in ["aurc", "augrc", "misclassification_auroc"] { selective[field] = try value("selective_\(field)") }
            let coverages = try #require(r.outputs["selective_coverages"]).values
            let risks = try #require(r.outputs["selective_risk_at_coverage"]).values
            #expect(coverages.count == risks.count)
            selective["risk_at_coverage"] = Dictionary(uniqueKeysWithValues: zip(coverages.map { "\($0)" }, risks.map { $0.isNaN ? NSNull() : $0 as Any }))
            v1["selective"] = selective
        }
        return v1
    }

    @Test("every gap_* and selective_* case of lens.json, JSON and binary tensors and outputs")
    func fixtures() throws {
        let client = CurlClient(base: server.base)
        let cases = try Fixtures.cases("lens").filter { $0.name.hasPrefix("gap_") || $0.name.hasPrefix("selective_") }
        #expect(cases.count == 13)
        for c in cases {
            // /v1 over the very float32 values the tensors carry (the fixture's decimal text read
            // as float32 directly can differ in the last bit from text → double → float32).
            var v1Request = c.request
            for key in ["logits", "probabilities"] where v1Request[key] != nil {
                v1Request[key] = JSONAny.rows(v1Request[key]).map { $0.map(Double.init) }
            }
            let v1Body = [UInt8](try JSONSerialization.data(withJSONObject: v1Request))
            let reference = try #require(try client.request("POST", "/v1/calibration", body: v1Body).json, "\(c.name)")
            for binary in [false, true] {
                let body = Self.request(c, binary: binary)
                let r = try client.request("POST", "/v2/models/calibration/infer", body: body.bytes, headers: body.headers)
                #expect(r.status == 200, "\(c.name): \(r.text.prefix(300))")
                guard r.status == 200 else { continue }
                let response = try V2.parse(r)
                let requested = (c.request["metrics"] as! [String]).flatMap { Self.outputs[$0]! }
                #expect(response.order == requested, "\(c.name): \(response.order)")
                #expect(response.outputs.values.allSatisfy { $0.binary == binary }, "\(c.name)")
                var actual = try Self.v1Shape(response)
                actual["count"] = c.expected["count"]
                let mismatch = Tolerance.mismatch(actual, c.expected, rtol: c.rtol, atol: c.atol)
                #expect(mismatch == nil, "\(c.name) (binary \(binary)): \(mismatch ?? "")")
                // The same numbers as /v1/calibration (1e-15: Foundation's JSON number parsing on
                // Linux is not always correctly rounded, so the last bit may differ on the way in).
                for key in ["logit_gap", "selective"] where reference[key] != nil {
                    let same = Tolerance.mismatch(actual[key], reference[key], rtol: 1e-15, atol: 0, path: key)
                    #expect(same == nil, "\(c.name) (binary \(binary)): \(same ?? "")")
                }
            }
        }
    }
}
