import Foundation
import Testing
import SoftLabelService
import SoftLabelTestSupport

/// `logit_gap` through /v1/calibration and /v1/calibration/merge: states of shards merged give
/// the mergeable gap fields of one request over all rows (1e-9); quantiles and selective are
/// listed in `omitted`.
@Suite("Logit gap merge through the service")
struct LogitGapMergeServiceTests {
    let service = SoftLabelService()

    func post(_ path: String, _ object: Any, status: Int = 200) throws -> [String: Any] {
        let r = service.call(path, body: [UInt8](try JSONSerialization.data(withJSONObject: object)))
        #expect(r.status == status, "\(String(decoding: r.body, as: UTF8.self).prefix(400))")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
    }

    @Test("every gap_* case of lens.json in 4 shards: merged = whole for the mergeable fields")
    func shards() throws {
        for c in try Fixtures.cases("lens").filter({ $0.name.hasPrefix("gap_") && ($0.request["labels"] as! [Any]).count >= 8 }) {
            let field = c.request["logits"] != nil ? "logits" : "probabilities"
            let rows = c.request[field] as! [Any], labels = c.request["labels"] as! [Any]
            var request = c.request
            request["metrics"] = ["logit_gap", "state", "ece"]
            let whole = try post("/v1/calibration", request)
            let cuts = [0, 1, rows.count / 3, rows.count - 2, rows.count]
            var states: [Any] = []
            for i in 0..<(cuts.count - 1) {
                var part = request
                part[field] = Array(rows[cuts[i]..<cuts[i + 1]])
                part["labels"] = Array(labels[cuts[i]..<cuts[i + 1]])
                states.append(try post("/v1/calibration", part)["state"]!)
            }
            let merged = try post("/v1/calibration/merge", ["states": states])
            let gap = try #require(merged["logit_gap"] as? [String: Any], "\(c.name)")
            var expected = try #require(whole["logit_gap"] as? [String: Any])
            #expect(gap["quantiles"] == nil && expected["quantiles"] != nil, "\(c.name)")
            expected["quantiles"] = nil
            #expect(Set(gap.keys) == Set(expected.keys), "\(c.name): \(gap.keys.sorted())")
            let mismatch = Tolerance.mismatch(gap, expected, rtol: 1e-9, atol: 1e-12, path: "logit_gap")
            #expect(mismatch == nil, "\(c.name): \(mismatch ?? "")")
            #expect(Set(merged["omitted"] as? [String] ?? []).isSuperset(of: ["logit_gap.quantiles", "selective"]))
            #expect(Tolerance.mismatch(merged["ece"], whole["ece"], rtol: 1e-12, atol: 1e-12) == nil)
        }
    }

    @Test("states with different label_smoothing, or without gaps, are refused naming the field")
    func conflicts() throws {
        let base: [String: Any] = ["logits": [[1.0, 2.0, 0.5], [0.2, 0.1, 3.0]], "labels": [1, 2]]
        let a = try post("/v1/calibration", base.merging(["metrics": ["logit_gap", "state"], "label_smoothing": 0.1]) { $1 })["state"]!
        let b = try post("/v1/calibration", base.merging(["metrics": ["logit_gap", "state"], "label_smoothing": 0.2]) { $1 })["state"]!
        let c = try post("/v1/calibration", base)["state"]!
        let differ = try post("/v1/calibration/merge", ["states": [a, b]], status: 422)
        #expect(differ["path"] as? String == "states[1].logit_gap.label_smoothing" && differ["code"] as? String == "conflicting_fields")
        let missing = try post("/v1/calibration/merge", ["states": [a, c]], status: 422)
        #expect(missing["path"] as? String == "states[1].logit_gap")
        // A state read back keeps its gap sums bit for bit: merging one state alone gives its metrics.
        let alone = try post("/v1/calibration/merge", ["states": [a]])
        let direct = try post("/v1/calibration", base.merging(["metrics": ["logit_gap"], "label_smoothing": 0.1]) { $1 })
        var expected = direct["logit_gap"] as! [String: Any]
        expected["quantiles"] = nil
        #expect(Tolerance.mismatch(alone["logit_gap"], expected, rtol: 0, atol: 0) == nil)
    }
}
