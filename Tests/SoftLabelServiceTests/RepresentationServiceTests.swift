import Foundation
import Testing
@testable import SoftLabelService
import SoftLabelTestSupport

/// `/v1/representation`, its merge and the projection diagram through the service's request path
/// (JSON bytes in, bytes out): the lens.json cases, states that round-trip exactly and merge to
/// one request's answer, the size limits and the 422 paths.
@Suite("Service: representation")
struct RepresentationServiceTests {
    let service = SoftLabelService()

    static var cases: [FixtureCase] {
        get throws { try Fixtures.cases("lens").filter { $0.endpoint == "/v1/representation" } }
    }

    func post(_ path: String, _ object: Any) throws -> (status: Int, json: [String: Any]?, body: [UInt8]) {
        let r = service.call(path, body: [UInt8](try JSONSerialization.data(withJSONObject: object)))
        return (r.status, try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any], r.body)
    }

    @Test("lens.json cases in process", arguments: try cases)
    func fixture(_ c: FixtureCase) throws {
        let r = service.call(c.endpoint, body: c.requestBytes)
        #expect(r.status == 200, "\(c.name): \(String(decoding: r.body, as: UTF8.self).prefix(300))")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
        let mismatch = Tolerance.mismatch(json, c.expected, rtol: c.rtol, atol: c.atol)
        #expect(mismatch == nil, "\(c.name): \(mismatch ?? "")")
        #expect(json["state"] is [String: Any])
        #expect((json["projection"] != nil) == (c.request["weights"] != nil))
    }

    @Test("merging the states of split requests gives the whole request's fields (1e-9), and its state")
    func mergeOverSplits() throws {
        let seed = SeededGenerator.seed(default: 0x4E9_5E1F)
        var g = SeededGenerator(seed: seed)
        for c in try Self.cases {
            var request = c.request
            request["weights"] = nil
            request["projection_classes"] = nil
            let k = (c.request["num_classes"] as? NSNumber)?.intValue ?? (c.request["weights"] as? [Any])?.count
                ?? (JSONAny.ints(c.request["labels"]).max()! + 1)
            request["num_classes"] = k
            let whole = try #require(try post("/v1/representation", request).json)
            let features = c.request["features"] as! [Any], labels = c.request["labels"] as! [Any]
            for _ in 0..<3 {
                var cuts = (0..<Int.random(in: 1...4, using: &g)).map { _ in Int.random(in: 1..<features.count, using: &g) }
                cuts = Array(Set(cuts + [0, features.count])).sorted()
                var states: [Any] = []
                for (a, b) in zip(cuts, cuts.dropFirst()) {
                    var part = request
                    part["features"] = Array(features[a..<b])
                    part["labels"] = Array(labels[a..<b])
                    let r = try post("/v1/representation", part)
                    #expect(r.status == 200, "\(c.name) [\(a), \(b)): \(String(decoding: r.body, as: UTF8.self).prefix(200))")
                    states.append(try #require(r.json?["state"]))
                }
                let merged = try post("/v1/representation/merge", ["states": states.shuffled(using: &g)])
                #expect(merged.status == 200, "\(String(decoding: merged.body, as: UTF8.self).prefix(300))")
                var expected = whole
                expected["state"] = nil
                let mismatch = Tolerance.mismatch(merged.json, expected, rtol: 1e-9, atol: 1e-12)
                #expect(mismatch == nil, "\(c.name), seed \(seed), cuts \(cuts): \(mismatch ?? "")")
                #expect(merged.json?["projection"] == nil)
                let mergedState = try #require(merged.json?["state"] as? [String: Any])
                #expect(Tolerance.mismatch(mergedState, whole["state"], rtol: 1e-12, atol: 1e-12) == nil)
            }
        }
    }

    @Test("a state merged alone is written back byte for byte")
    func stateRoundTrip() throws {
        let c = try #require(try Self.cases.first)
        let r = service.call(c.endpoint, body: c.requestBytes)
        let text = String(decoding: r.body, as: UTF8.self)
        let stateText = try #require(text.range(of: #","state":"#).map { String(text[$0.upperBound...].dropLast()) })
        let merged = service.call("/v1/representation/merge", body: Array(#"{"states":["#.utf8) + Array(stateText.utf8) + Array("]}".utf8))
        #expect(merged.status == 200)
        let mergedText = String(decoding: merged.body, as: UTF8.self)
        #expect(mergedText.hasSuffix(#""state":"# + stateText + "}"))
    }

    @Test("the projection diagram answers SVG; without weights it is 422")
    func diagram() throws {
        let c = try #require(try Self.cases.first { $0.request["weights"] != nil })
        let r = service.call("/v1/projection-diagram", body: c.requestBytes)
        #expect(r.status == 200 && r.contentType == "image/svg+xml")
        #expect(String(decoding: r.body, as: UTF8.self).contains("</svg>"))
        let plain = try #require(try Self.cases.first { $0.request["weights"] == nil })
        let refused = service.call("/v1/projection-diagram", body: plain.requestBytes)
        #expect(refused.status == 422)
    }

    @Test("422 paths and codes")
    func errors() throws {
        let x: [[Float]] = [[1, 2], [0, 0], [3, 1]]
        let w: [[Float]] = [[0, 0], [1, 1], [2, 2], [0, 1]]
        let cases: [(Any, String, String)] = [
            (["features": x, "labels": [0, 1, 0]], "invalid_value", "features[1]"),
            (["features": [[1, 2]], "labels": [0, 1]], "shape_mismatch", "labels"),
            (["features": [[1, 2]], "labels": [2], "num_classes": 2], "label_out_of_range", "labels[0]"),
            (["features": [[1, 2]], "labels": [-1]], "label_out_of_range", "labels[0]"),
            (["features": [[1, 2]], "labels": [0], "num_classes": 0], "invalid_value", "num_classes"),
            (["features": [[1, 2]], "labels": [0], "num_classes": 2_000_000], "too_large", "num_classes"),
            (["features": [[1, 2], [2, 1]], "labels": [0, Int(Int32.max)]], "too_large", "labels"),
            (["features": [[1, 2]], "labels": [0], "weights": w], "missing_field", "projection_classes"),
            (["features": [[1, 2]], "labels": [0], "projection_classes": [0, 1, 2]], "missing_field", "weights"),
            (["features": [[1, 2]], "labels": [0], "weights": w, "projection_classes": [0, 1, 2]], "invalid_value", "projection_classes"),
            (["features": [[1, 2]], "labels": [0], "weights": w, "projection_classes": [0, 1, 9]], "label_out_of_range", "projection_classes[2]"),
            (["features": [[1, 2]], "labels": [0], "weights": [[1, 2, 3]], "projection_classes": [0, 1, 2]], "shape_mismatch", "weights"),
            (["features": [[1, 2]], "labels": [5], "weights": w, "projection_classes": [0, 1, 3]], "label_out_of_range", "labels[0]"),
            (["features": [[1, 2]], "labels": [0], "feature": 1], "unknown_field", "feature"),
            (["labels": [0]], "missing_field", "features"),
            (["states": []], "missing_field", "states"),
        ]
        for (body, code, path) in cases {
            let endpoint = (body as! [String: Any])["states"] != nil ? "/v1/representation/merge" : "/v1/representation"
            let r = try post(endpoint, body)
            #expect(r.status == 422 && r.json?["code"] as? String == code && r.json?["path"] as? String == path,
                    "\(body): \(String(decoding: r.body, as: UTF8.self))")
        }
    }

    @Test("a label of Int.max in binary INT64 labels (the input fuzz-service found trapping) is 422 too_large")
    func largestLabelOverOpenInference() throws {
        let header = #"{"inputs":[{"name":"features","datatype":"FP32","shape":[2,2],"parameters":{"binary_data_size":16}},"#
            + #"{"name":"labels","datatype":"INT64","shape":[2],"parameters":{"binary_data_size":16}}]}"#
        var body = Array(header.utf8)
        for v in [Float(1), 2, 3, 4] { withUnsafeBytes(of: v.bitPattern.littleEndian) { body += $0 } }
        for v in [Int64(0), .max] { withUnsafeBytes(of: v.littleEndian) { body += $0 } }
        let r = service.infer(model: "representation", body: body, inferenceHeaderContentLength: header.utf8.count)
        let json = try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]
        #expect(r.status == 422 && json?["code"] as? String == "too_large", "\(String(decoding: r.body, as: UTF8.self))")
    }

    @Test("the K×D state is checked against maxResponseBytes before it is allocated")
    func stateLimit() throws {
        let small = SoftLabelService(configuration: ServiceConfiguration(maxResponseBytes: 1 << 16))
        let body = #"{"features": [[1, 2, 3, 4, 5, 6, 7, 8]], "labels": [0], "num_classes": 1000}"#
        let r = small.call("/v1/representation", body: Array(body.utf8))
        #expect(r.status == 422)
        let json = try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]
        #expect(json?["code"] as? String == "too_large" && json?["path"] as? String == "num_classes")
    }

    @Test("merge refuses states of different shapes, tampered sums and unknown fields")
    func mergeErrors() throws {
        let a = try #require(try post("/v1/representation", ["features": [[1, 2], [2, 1]], "labels": [0, 1]]).json?["state"] as? [String: Any])
        let b = try #require(try post("/v1/representation", ["features": [[1, 2, 3]], "labels": [0]]).json?["state"] as? [String: Any])
        var r = try post("/v1/representation/merge", ["states": [a, b]])
        #expect(r.status == 422 && r.json?["path"] as? String == "states[1]", "\(r.json ?? [:])")
        var tampered = a
        tampered["unit_sum"] = [5.0, 0, 0, 1]
        r = try post("/v1/representation/merge", ["states": [tampered]])
        #expect(r.status == 422 && r.json?["path"] as? String == "states[0].unit_sum", "\(r.json ?? [:])")
        var extra = a
        extra["bins"] = 3
        r = try post("/v1/representation/merge", ["states": [extra]])
        #expect(r.status == 422 && r.json?["code"] as? String == "unknown_field")
        var missing = a
        missing["norm_sum"] = nil
        r = try post("/v1/representation/merge", ["states": [missing]])
        #expect(r.status == 422 && r.json?["path"] as? String == "states[0].norm_sum")
    }
}
