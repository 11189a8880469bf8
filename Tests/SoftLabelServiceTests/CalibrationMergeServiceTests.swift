import Foundation
import Testing
import SoftLabelService
import SoftLabelTestSupport

/// Scale-out through the API: states from /v1/calibration over shards of the rows, merged by
/// /v1/calibration/merge, give the metrics of one request over all rows (to 1e-12).
@Suite("Calibration merge through the service")
struct CalibrationMergeServiceTests {
    let service = SoftLabelService()

    func post(_ path: String, _ object: Any) throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: object)
        let r = service.call(path, body: [UInt8](body))
        #expect(r.status == 200, "\(String(decoding: r.body, as: UTF8.self).prefix(400))")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
    }

    @Test("5 uneven shards merged = one pass, for every mergeable metric")
    func shardsMerge() throws {
        let c = try #require(Fixtures.cases("calibration").first { $0.request["logits"] != nil && ($0.request["labels"] as! [Any]).count >= 50 })
        let logits = c.request["logits"] as! [Any]
        let labels = c.request["labels"] as! [Any]
        let whole = try post("/v1/calibration", ["logits": logits, "labels": labels])
        let cuts = [0, 3, 4, logits.count / 2, logits.count - 1, logits.count]
        var states: [Any] = []
        for i in 0..<(cuts.count - 1) {
            let part = try post("/v1/calibration", ["logits": Array(logits[cuts[i]..<cuts[i + 1]]), "labels": Array(labels[cuts[i]..<cuts[i + 1]])])
            states.append(part["state"]!)
        }
        let merged = try post("/v1/calibration/merge", ["states": states])
        // selective needs the rows too (docs/api.md, "selective": not mergeable).
        #expect(Set(merged["omitted"] as? [String] ?? []) == ["adaptive_ece", "smooth_ece", "smooth_ece_bandwidth", "selective"])
        for key in ["accuracy", "mean_confidence", "ece", "mce", "rms_ce", "classwise_ece", "debiased_rms_ce", "brier", "nll",
                    "mean_entropy", "overconfidence", "top_k_accuracy", "reliability", "count"] {
            let mismatch = Tolerance.mismatch(merged[key], whole[key], rtol: 1e-12, atol: 1e-12, path: key)
            #expect(mismatch == nil, "\(mismatch ?? "")")
        }
    }

    @Test("incompatible states are refused with the field that differs")
    func incompatible() throws {
        let c = try #require(Fixtures.cases("calibration").first { $0.request["logits"] != nil })
        let a = try post("/v1/calibration", ["logits": c.request["logits"]!, "labels": c.request["labels"]!])
        let b = try post("/v1/calibration", ["logits": c.request["logits"]!, "labels": c.request["labels"]!, "bins": 10])
        let body = try JSONSerialization.data(withJSONObject: ["states": [a["state"]!, b["state"]!]])
        let r = service.call("/v1/calibration/merge", body: [UInt8](body))
        #expect(r.status == 422)
        let json = try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]
        #expect((json?["path"] as? String)?.hasPrefix("states[1]") == true, "\(json ?? [:])")
    }
}
