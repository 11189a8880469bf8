import Foundation
import Testing
@testable import SoftLabelService
import SoftLabelKernels
import SoftLabelTestSupport

/// `metrics` on /v1/calibration (docs/api.md): only the requested keys come back, names are
/// checked with paths, and what is not requested costs nothing (seen in the request's cost).
@Suite("Calibration: metrics selection through the service")
struct CalibrationMetricsSelectionTests {
    let service = SoftLabelService()
    static let logits: [[Double]] = [[2.0, 0.5, -1.0], [0.1, 0.2, 3.0], [1.0, 1.5, 0.2], [0.3, -0.2, 0.1]]
    static let labels = [0, 2, 0, 1]

    func call(_ object: [String: Any], path: String = "/v1/calibration") throws -> (Int, [String: Any]) {
        let r = service.call(path, body: [UInt8](try JSONSerialization.data(withJSONObject: object)))
        return (r.status, (try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]) ?? [:])
    }

    func body(_ extra: [String: Any]) -> [String: Any] {
        ["logits": Self.logits, "labels": Self.labels].merging(extra) { $1 }
    }

    @Test("only the requested keys and count; smooth_ece brings its bandwidth")
    func onlyRequested() throws {
        let (status, json) = try call(body(["metrics": ["accuracy", "ece", "nll", "brier", "reliability"]]))
        #expect(status == 200)
        #expect(Set(json.keys) == ["count", "accuracy", "ece", "nll", "brier", "reliability"])
        let (_, smooth) = try call(body(["metrics": ["smooth_ece"]]))
        #expect(Set(smooth.keys) == ["count", "smooth_ece", "smooth_ece_bandwidth"])
        let (_, state) = try call(body(["metrics": ["state", "top_k_accuracy"]]))
        #expect(Set(state.keys) == ["count", "state", "top_k_accuracy"])
        let (_, all) = try call(body([:]))
        #expect(all["state"] != nil && all["logit_gap"] == nil && all["selective"] == nil && all["classwise_ece"] != nil)
        // The same numbers as the full answer.
        for key in ["accuracy", "ece", "nll", "brier", "reliability"] {
            #expect(Tolerance.mismatch(json[key], all[key], rtol: 0, atol: 0, path: key) == nil)
        }
        #expect(Tolerance.mismatch(state["state"], all["state"], rtol: 0, atol: 0) == nil)
    }

    @Test("intervals cover the requested scalar metrics only")
    func intervals() throws {
        let (status, json) = try call(body(["metrics": ["ece", "top_k_accuracy", "adaptive_ece"], "bootstrap": 20]))
        #expect(status == 200)
        let intervals = try #require(json["intervals"] as? [String: Any])
        #expect(Set(intervals.keys) == ["ece", "top_k_accuracy"])
    }

    @Test("unknown name → 422 at metrics[i]; empty or not an array → 422 at metrics")
    func errors() throws {
        for (metrics, path) in [(["ece", "accuracy", "ECE"] as Any, "metrics[2]"), ([] as [String], "metrics"), ("ece", "metrics"),
                                (["ece", 3] as [Any], "metrics[1]"), (["logit_gap.quantiles"], "metrics[0]")] {
            let (status, json) = try call(body(["metrics": metrics]))
            #expect(status == 422 && json["path"] as? String == path, "\(metrics): \(json)")
        }
    }

    @Test("label_smoothing, smoothing and coverages need the metric they serve; coverages in (0, 1], no repeats")
    func optionConflicts() throws {
        for (extra, path) in [(["label_smoothing": 0.1], "label_smoothing"), (["smoothing": "off_target"], "smoothing"),
                              (["coverages": [0.5]], "coverages")] as [([String: Any], String)] {
            let (status, json) = try call(body(extra))
            #expect(status == 422 && json["code"] as? String == "conflicting_fields" && json["path"] as? String == path, "\(json)")
        }
        for (coverages, path) in [([0.5, 0], "coverages[1]"), ([1.5], "coverages[0]"), ([], "coverages"), ([0.5, 0.50], "coverages[1]")] as [([Double], String)] {
            let (status, json) = try call(body(["metrics": ["selective"], "coverages": coverages]))
            #expect(status == 422 && json["path"] as? String == path, "\(coverages): \(json)")
        }
        let (status, json) = try call(body(["metrics": ["logit_gap"], "label_smoothing": 1.5]))
        #expect(status == 422 && json["path"] as? String == "label_smoothing")
        let (diagram, error) = try call(body(["metrics": ["ece"]]), path: "/v1/reliability-diagram")
        #expect(diagram == 422 && error["path"] as? String == "metrics")
    }

    /// The cost the scheduler sees for a body (what runs inline vs on the pool).
    func cost(_ object: [String: Any]) throws -> Int {
        let request = try CalibrationEndpoint.decode([UInt8](try JSONSerialization.data(withJSONObject: object)),
                                                     RequestDecoding(ServiceConfiguration()))
        return CalibrationEndpoint.cost(request.input, request.configuration)
    }

    @Test("work not requested is not counted: class-wise cells, FFTs, sorts, bootstrap")
    func costOfSelection() throws {
        let rows = 256, k = 100
        let logits = (0..<rows).map { r in (0..<k).map { Double(($0 * 7 + r) % 11) / 3 } }
        let base: [String: Any] = ["logits": logits, "labels": (0..<rows).map { $0 % k }, "bins": 20]
        let pass = rows * k
        let peer = try cost(base.merging(["metrics": ["accuracy", "ece", "nll", "brier", "reliability"]]) { $1 })
        #expect(peer == pass)
        let everything = try cost(base)
        #expect(everything == pass + pass + k * 20 + rows * 9 + (1 << 15))  // class-wise, adaptive sort, FFTs
        #expect(try cost(base.merging(["metrics": ["classwise_ece"]]) { $1 }) == 2 * pass + k * 20)
        #expect(try cost(base.merging(["metrics": ["smooth_ece"]]) { $1 }) == pass + (1 << 15))
        #expect(try cost(base.merging(["metrics": ["ece"], "bootstrap": 10]) { $1 }) == pass + 10 * (rows + 20))
        #expect(try cost(base.merging(["metrics": ["adaptive_ece"], "bootstrap": 10]) { $1 }) == pass + rows * 9)
        #expect(try cost(base.merging(["metrics": ["logit_gap", "selective"]]) { $1 }) == 2 * pass + 2 * rows * 9)
    }

    @Test("Open Inference: requested outputs choose the work")
    func openInference() {
        #expect(CalibrationModel.selection(["ece", "reliability_count"]) == CalibrationSelection(metrics: [.ece, .reliability], state: false))
        #expect(CalibrationModel.selection(["top_k", "state", "smooth_ece_bandwidth", "count"])
                == CalibrationSelection(metrics: [.topKAccuracy, .smoothECE], state: true))
        var everything = CalibrationSelection.everything
        everything.state = false
        #expect(CalibrationModel.selection(nil) == everything)
        #expect(CalibrationModel.selection(["logit_gap_quantiles", "ece"]) == CalibrationSelection(metrics: [.logitGap, .ece], state: false))
        #expect(CalibrationModel.selection(["selective_coverages", "logit_gap_infinite"]) == CalibrationSelection(metrics: [.selective, .logitGap], state: false))
        // Every output of the metadata chooses some work (none falls through the prefixes).
        for spec in CalibrationModel.model.outputs where spec.name != "count" {
            let selection = CalibrationModel.selection([spec.name])
            #expect(!selection.metrics.isEmpty || selection.state, "\(spec.name)")
        }
    }

    /// An Open Inference calibration request with `outputs` (nil: none named) and parameters.
    func inference(_ outputs: [String]?, _ parameters: [String: Any] = [:], rows: Int = 256, k: Int = 100) throws -> [UInt8] {
        let logits = (0..<rows).flatMap { r in (0..<k).map { Double(($0 * 7 + r) % 11) / 3 } }
        var header: [String: Any] = ["inputs": [["name": "logits", "datatype": "FP32", "shape": [rows, k], "data": logits],
                                                ["name": "labels", "datatype": "INT64", "shape": [rows], "data": (0..<rows).map { $0 % k }]]]
        if let outputs { header["outputs"] = outputs.map { ["name": $0] } }
        if !parameters.isEmpty { header["parameters"] = parameters }
        return [UInt8](try JSONSerialization.data(withJSONObject: header))
    }

    /// The cost the scheduler sees for an inference request: what the requested outputs select.
    func inferenceCost(_ body: [UInt8]) throws -> Int {
        switch try OpenInferenceEndpoint.prepare(CalibrationModel.model, body, inferenceHeaderContentLength: nil,
                                                 decoding: RequestDecoding(ServiceConfiguration())) {
        case .work(let cost, _): return cost
        case .response: Issue.record("no work"); return -1
        }
    }

    @Test("Open Inference: logit_gap_* and selective_* cost only when requested, and are not in the default answer")
    func openInferenceCost() throws {
        let (rows, k) = (256, 100)
        let pass = rows * k, sort = rows * 9
        #expect(try inferenceCost(inference(["ece"])) == pass)
        #expect(try inferenceCost(inference(["ece", "logit_gap_max"])) == 2 * pass + sort)
        #expect(try inferenceCost(inference(["selective_aurc"])) == pass + sort)
        #expect(try inferenceCost(inference(["logit_gap_mean", "selective_aurc"], ["label_smoothing": 0.1, "coverages": "0.5,0.9"])) == 2 * pass + 2 * sort)
        // No outputs: every output but state, logit_gap_* and selective_*; their work is not counted.
        var everything = CalibrationSelection.everything
        everything.state = false
        var configuration = CalibrationConfiguration(bins: 15)
        configuration.selection = everything
        let matrix = Matrix(rows: rows, columns: k, values: [Float](repeating: 0, count: pass))
        #expect(try inferenceCost(inference(nil)) == CalibrationEndpoint.cost(.logits(matrix), configuration))
        let r = service.infer(model: "calibration", body: try inference(nil, rows: 8, k: 3))
        let names = ((try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])?["outputs"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(r.status == 200 && names.contains("ece") && !names.contains { $0.hasPrefix("logit_gap_") || $0.hasPrefix("selective_") || $0 == "state" }, "\(names)")
    }

    @Test("Open Inference: label_smoothing, smoothing, coverages need an output they serve; coverages forms and paths")
    func openInferenceOptions() throws {
        func call(_ outputs: [String]?, _ parameters: [String: Any]) throws -> (Int, [String: Any], [String: [Any]]) {
            let r = service.infer(model: "calibration", body: try inference(outputs, parameters, rows: 8, k: 3))
            let json = (try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]) ?? [:]
            var data: [String: [Any]] = [:]
            for o in json["outputs"] as? [[String: Any]] ?? [] { data[o["name"] as! String] = o["data"] as? [Any] }
            return (r.status, json, data)
        }
        for (outputs, parameters, path) in [(nil, ["label_smoothing": 0.1], "parameters.label_smoothing"),
                                            (["ece"], ["smoothing": "off_target"], "parameters.smoothing"),
                                            (["logit_gap_mean"], ["coverages": [0.5]], "parameters.coverages")] as [([String]?, [String: Any], String)] {
            let (status, json, _) = try call(outputs, parameters)
            #expect(status == 422 && json["code"] as? String == "conflicting_fields" && json["path"] as? String == path, "\(json)")
        }
        for (coverages, path) in [([0.5, 0] as Any, "parameters.coverages[1]"), ("0.5,x", "parameters.coverages"), ("0.5,", "parameters.coverages"),
                                  ("0.5,0.5", "parameters.coverages[1]"), (1.5, "parameters.coverages[0]")] {
            let (status, json, _) = try call(["selective_aurc"], ["coverages": coverages])
            #expect(status == 422 && json["path"] as? String == path, "\(coverages): \(json)")
        }
        // The three forms of coverages give the same entries; ε gives the optimal gap.
        for coverages in [[0.25, 1.0] as Any, "0.25, 1.0"] {
            let (status, json, data) = try call(["selective_coverages", "selective_risk_at_coverage"], ["coverages": coverages])
            #expect(status == 200 && data["selective_coverages"] as? [Double] == [0.25, 1.0] && data["selective_risk_at_coverage"]?.count == 2, "\(json)")
        }
        let (_, _, one) = try call(["selective_coverages"], ["coverages": 0.9])
        #expect(one["selective_coverages"] as? [Double] == [0.9])
        let (_, _, gap) = try call(["logit_gap_optimal", "logit_gap_beyond_optimal"], ["label_smoothing": 0.1])
        let epsilon = Double(Float(0.1))  // ε is read as float32, as everywhere
        #expect((gap["logit_gap_optimal"]?.first as? Double).map { abs($0 - log(1 + 3 * (1 - epsilon) / epsilon)) < 1e-12 } == true, "\(gap)")
        let (_, _, none) = try call(["logit_gap_optimal"], [:])
        #expect(none["logit_gap_optimal"]?.first is NSNull)
    }
}
