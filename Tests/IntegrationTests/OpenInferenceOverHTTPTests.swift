import Foundation
import Testing
import SoftLabelHTTP
import SoftLabelKernels
import SoftLabelService
import SoftLabelTestSupport

/// The Open Inference Protocol over HTTP: metadata and health routes, each model with JSON and
/// binary tensors both ways, output selection, `id`, and a big binary loss checked against the
/// kernels.
@Suite("HTTP: Open Inference Protocol, routes and models", .serialized)
final class OpenInferenceOverHTTPTests {
    let server: TestServer

    init() throws {
        server = try TestServer(maxClasses: 50_000)
    }

    deinit { server.stop() }

    static let logits: [[Float]] = [[2.0, 0.5, -1.0], [0.1, 0.2, 3.0], [1.5, 1.5, 0.0], [-2.0, 4.0, 0.25]]
    static let labels = [0, 2, 1, 1]

    @Test("GET /v2: name, version, binary_tensor_data, models, limits")
    func serverMetadata() throws {
        let r = try CurlClient(base: server.base).request("GET", "/v2")
        #expect(r.status == 200)
        let json = try #require(r.json)
        #expect(json["name"] as? String == "softlabel")
        #expect(json["version"] as? String != nil)
        #expect(json["extensions"] as? [String] == ["binary_tensor_data"])
        #expect(json["models"] as? [String] == ["smooth", "loss", "calibration", "temperature", "representation"])
        let limits = try #require(json["limits"] as? [String: Int])
        #expect(limits["max_classes"] == 50_000)
        #expect(limits["max_elements"] == 16_777_216)
        #expect(limits["max_body_bytes"] == 64 << 20)
    }

    @Test("health, model metadata and readiness, versions, 404 and 405")
    func routes() throws {
        let client = CurlClient(base: server.base)
        #expect(try client.request("GET", "/v2/health/live").status == 200)
        #expect(try client.request("GET", "/v2/health/ready").json?["ready"] as? Bool == true)
        #expect(try client.request("HEAD", "/v2/health/ready").status == 200)
        for model in ["smooth", "loss", "calibration", "temperature", "representation"] {
            for prefix in ["/v2/models/\(model)", "/v2/models/\(model)/versions/1"] {
                let metadata = try client.request("GET", prefix)
                #expect(metadata.status == 200)
                let json = try #require(metadata.json)
                #expect(json["name"] as? String == model)
                #expect(json["platform"] as? String == "softlabel")
                #expect(json["versions"] as? [String] == ["1"])
                let ready = try client.request("GET", prefix + "/ready")
                #expect(ready.status == 200 && ready.json?["ready"] as? Bool == true)
            }
        }
        let loss = try #require(try client.request("GET", "/v2/models/loss").json)
        let inputs = try #require(loss["inputs"] as? [[String: Any]])
        let logits = try #require(inputs.first { $0["name"] as? String == "logits" })
        #expect(logits["datatype"] as? String == "FP32")
        #expect(logits["shape"] as? [Int] == [-1, -1])
        let labels = try #require(inputs.first { $0["name"] as? String == "labels" })
        #expect(labels["datatype"] as? String == "INT64" && labels["shape"] as? [Int] == [-1])
        let outputs = try #require(loss["outputs"] as? [[String: Any]])
        #expect(outputs.map { $0["name"] as! String } == ["loss", "count", "per_sample", "gradient", "targets", "probabilities"])
        #expect(outputs.first?["shape"] as? [Int] == [1])

        for (path, status) in [("/v2/models/nope", 404), ("/v2/models/nope/infer", 404), ("/v2/models/loss/versions/2", 404),
                               ("/v2/models/loss/versions/2/infer", 404), ("/v2/models/loss/stats", 404), ("/v2/other", 404),
                               ("/v2/models", 404)] {
            let r = try client.request("GET", path)
            #expect(r.status == status, "\(path): \(r.text)")
            #expect((r.json?["error"] as? String)?.isEmpty == false, "\(path)")
        }
        let post = try client.request("POST", "/v2", body: [])
        #expect(post.status == 405 && post.headers["allow"] == "GET, HEAD")
        let get = try client.request("GET", "/v2/models/loss/infer")
        #expect(get.status == 405 && get.headers["allow"] == "POST")
        #expect(try client.request("GET", "/v1/loss").status == 405, "v1 unchanged")
    }

    @Test("loss: JSON in, JSON out; default outputs; id echoed")
    func lossJSON() throws {
        let body = V2.body([.matrix("logits", Self.logits), .int64("labels", Self.labels)], parameters: ["label_smoothing": 0.1], id: "req-7")
        let r = try CurlClient(base: server.base).request("POST", "/v2/models/loss/infer", body: body.bytes, headers: body.headers)
        #expect(r.status == 200, "\(r.text)")
        #expect(r.headers["content-type"] == "application/json")
        #expect(r.headers["inference-header-content-length"] == nil)
        let response = try V2.parse(r)
        #expect(response.header["id"] as? String == "req-7")
        #expect(response.header["model_name"] as? String == "loss")
        #expect(response.header["model_version"] as? String == "1")
        #expect(response.order == ["loss", "count"])
        let expected = Loss.compute(logits: Matrix(rows: 4, columns: 3, values: Self.logits.flatMap { $0 }),
                                    source: .labels(Self.labels, ignoreIndex: nil),
                                    configuration: LossConfiguration(smoothing: LabelSmoothing(epsilon: 0.1)))
        #expect(response.outputs["loss"]?.values == [Double(Float(expected.loss!))])
        #expect(response.outputs["loss"]?.datatype == "FP32")
        #expect(response.outputs["count"]?.values == [4] && response.outputs["count"]?.datatype == "INT64")
    }

    @Test("loss: binary in, binary and JSON outputs mixed, the framing of the response")
    func lossBinary() throws {
        let body = V2.body([.matrix("logits", Self.logits), .int32("labels", Self.labels)], binary: true,
                           parameters: ["label_smoothing": 0.1, "reduction": "none"],
                           outputs: [("gradient", true), ("per_sample", false), ("probabilities", true), ("count", nil)])
        let r = try CurlClient(base: server.base).request("POST", "/v2/models/loss/infer", body: body.bytes, headers: body.headers)
        #expect(r.status == 200, "\(r.text)")
        #expect(r.headers["content-type"] == "application/octet-stream")
        let headerLength = try #require(Int(r.headers["inference-header-content-length"] ?? ""))
        #expect(r.body.count == headerLength + 2 * 12 * 4, "two binary [4, 3] FP32 outputs follow the JSON")
        let response = try V2.parse(r)
        #expect(response.order == ["gradient", "per_sample", "probabilities", "count"])
        #expect(response.outputs["gradient"]?.binary == true && response.outputs["gradient"]?.shape == [4, 3])
        #expect(response.outputs["per_sample"]?.binary == false && response.outputs["per_sample"]?.shape == [4])
        #expect(response.outputs["count"]?.binary == false)
        let expected = Loss.compute(logits: Matrix(rows: 4, columns: 3, values: Self.logits.flatMap { $0 }),
                                    source: .labels(Self.labels, ignoreIndex: nil),
                                    configuration: LossConfiguration(smoothing: LabelSmoothing(epsilon: 0.1), reduction: .none,
                                                                     outputs: [.gradient, .probabilities]))
        #expect(response.outputs["gradient"]?.values == expected.gradient!.values.map(Double.init))
        #expect(response.outputs["probabilities"]?.values == expected.probabilities!.values.map(Double.init))
        #expect(response.outputs["per_sample"]?.values == expected.perSample!.map(Double.init))
    }

    @Test("a 256×1000 FP32 binary loss with a binary gradient matches the kernels exactly")
    func bigBinaryLoss() throws {
        let seed = SeededGenerator.seed(default: 0x5EED0002)  // replay: SOFTLABEL_TEST_SEED=<seed>
        var g = SeededGenerator(seed: seed)
        let (rows, columns) = (256, 1000)
        let values = (0..<(rows * columns)).map { _ in Float.random(in: -8...8, using: &g) }
        let labels = (0..<rows).map { ($0 * 37) % columns }
        let body = V2.body([.fp32("logits", values, shape: [rows, columns]), .int64("labels", labels)], binary: true,
                           parameters: ["label_smoothing": 0.1, "binary_data_output": true], outputs: [("loss", nil), ("gradient", nil)])
        let r = try CurlClient(base: server.base).request("POST", "/v2/models/loss/infer", body: body.bytes, headers: body.headers)
        #expect(r.status == 200, "\(r.text.prefix(300))")
        let response = try V2.parse(r)
        let expected = Loss.compute(logits: Matrix(rows: rows, columns: columns, values: values), source: .labels(labels, ignoreIndex: nil),
                                    configuration: LossConfiguration(smoothing: LabelSmoothing(epsilon: 0.1), outputs: [.gradient]))
        #expect(response.outputs["loss"]?.values == [Double(Float(expected.loss!))])
        #expect(response.outputs["gradient"]?.values == expected.gradient!.values.map(Double.init))
    }

    @Test("smooth: labels with num_classes, prior as an input tensor; smoothing in the response parameters")
    func smooth() throws {
        let prior: [Float] = [0.5, 0.25, 0.25]
        for binary in [false, true] {
            let body = V2.body([.int64("labels", [0, 2]), .fp32("prior", prior, shape: [3])], binary: binary,
                               parameters: ["num_classes": 3, "label_smoothing": 0.2, "smoothing": "prior"])
            let r = try CurlClient(base: server.base).request("POST", "/v2/models/smooth/infer", body: body.bytes, headers: body.headers)
            #expect(r.status == 200, "\(r.text)")
            let response = try V2.parse(r)
            #expect(response.order == ["targets", "num_classes", "label_smoothing"])
            #expect((response.header["parameters"] as? [String: Any])?["smoothing"] as? String == "prior")
            let q = SmoothTargets.compute(.labels([0, 2], ignoreIndex: nil), numClasses: 3,
                                          smoothing: LabelSmoothing(epsilon: 0.2, kind: .prior, prior: prior))
            #expect(response.outputs["targets"]?.values == q.values.map(Double.init))
            #expect(response.outputs["targets"]?.shape == [2, 3])
        }
    }

    @Test("calibration: all outputs by default (no state), FP64 metrics, INT64 counts, state on request")
    func calibration() throws {
        let body = V2.body([.matrix("logits", Self.logits), .int64("labels", Self.labels)], parameters: ["bins": 5, "top_k": [1, 2]])
        let client = CurlClient(base: server.base)
        let r = try client.request("POST", "/v2/models/calibration/infer", body: body.bytes, headers: body.headers)
        #expect(r.status == 200, "\(r.text)")
        let response = try V2.parse(r)
        #expect(!response.order.contains("state"))
        #expect(response.outputs["ece"]?.datatype == "FP64" && response.outputs["ece"]?.shape == [1])
        #expect(response.outputs["reliability_count"]?.datatype == "INT64" && response.outputs["reliability_count"]?.shape == [5])
        #expect(response.outputs["top_k"]?.values == [1, 2])
        let v1 = try client.request("POST", "/v1/calibration", body: Array(#"{"logits": [[2.0, 0.5, -1.0], [0.1, 0.2, 3.0], [1.5, 1.5, 0.0], [-2.0, 4.0, 0.25]], "labels": [0, 2, 1, 1], "bins": 5, "top_k": [1, 2]}"#.utf8))
        let reference = try #require(v1.json)
        for name in ["accuracy", "ece", "mce", "nll", "brier", "smooth_ece", "classwise_ece"] {
            #expect(response.outputs[name]?.values == [(reference[name] as! NSNumber).doubleValue], "\(name)")
        }
        let reliability = try #require(reference["reliability"] as? [[String: Any]])
        let accuracy = try #require(response.outputs["reliability_accuracy"]).values
        for (i, bin) in reliability.enumerated() {
            if let a = bin["accuracy"] as? NSNumber { #expect(accuracy[i] == a.doubleValue) } else { #expect(accuracy[i].isNaN) }
        }
        // The state as BYTES, binary: JSON text that /v1/calibration/merge takes.
        let stateBody = V2.body([.matrix("logits", Self.logits), .int64("labels", Self.labels)], binary: true,
                                parameters: ["bins": 5], outputs: [("state", true)])
        let s = try V2.parse(try client.request("POST", "/v2/models/calibration/infer", body: stateBody.bytes, headers: stateBody.headers))
        let state = try #require(s.outputs["state"]?.strings.first)
        let merged = try client.request("POST", "/v1/calibration/merge", body: Array("{\"states\": [\(state)]}".utf8))
        #expect(merged.status == 200, "\(merged.text)")
        #expect((merged.json?["ece"] as? NSNumber)?.doubleValue == (reference["ece"] as? NSNumber)?.doubleValue)
    }

    @Test("temperature: JSON and binary, FP64 temperature and BOOL converged")
    func temperature() throws {
        let client = CurlClient(base: server.base)
        let v1 = try #require(try client.request("POST", "/v1/temperature", body: Array(#"{"logits": [[2.0, 0.5, -1.0], [0.1, 0.2, 3.0], [1.5, 1.5, 0.0], [-2.0, 4.0, 0.25]], "labels": [0, 2, 1, 1]}"#.utf8)).json)
        for binary in [false, true] {
            let body = V2.body([.matrix("logits", Self.logits), .int64("labels", Self.labels)], binary: binary,
                               parameters: binary ? ["binary_data_output": true] : [:])
            let response = try V2.parse(try client.request("POST", "/v2/models/temperature/infer", body: body.bytes, headers: body.headers))
            #expect(response.order == ["temperature", "nll_before", "nll_after", "ece_before", "ece_after", "iterations", "converged"])
            #expect(response.outputs["temperature"]?.values == [(v1["temperature"] as! NSNumber).doubleValue])
            #expect(response.outputs["converged"]?.datatype == "BOOL")
            #expect(response.outputs["converged"]?.values == [(v1["converged"] as! Bool) ? 1 : 0])
        }
    }

    @Test("while draining: /v2/health/ready and model ready are 503 with Retry-After, live stays 200")
    func draining() {
        let handler = ServiceHTTPHandler(service: SoftLabelService(), metrics: ServiceMetrics(), isReady: { false })
        for path in ["/v2/health/ready", "/v2/models/loss/ready"] {
            let r = handler.respond(to: HTTPRequest(method: "GET", target: path))
            #expect(r.status == 503, "\(path)")
            #expect(r.headers["retry-after"] == "1")
        }
        #expect(handler.respond(to: HTTPRequest(method: "GET", target: "/v2/health/live")).status == 200)
    }

    @Test("metrics label the v2 routes with bounded cardinality")
    func metrics() throws {
        let client = CurlClient(base: server.base)
        let body = V2.body([.matrix("logits", Self.logits), .int64("labels", Self.labels)])
        _ = try client.request("POST", "/v2/models/loss/infer", body: body.bytes, headers: body.headers)
        _ = try client.request("GET", "/v2/health/live")
        _ = try client.request("GET", "/v2/models/zzz-\(UInt32.random(in: 0...UInt32.max))")
        let text = try client.request("GET", "/metrics").text
        #expect(text.contains(#"route="/v2/models/{model}/infer""#))
        #expect(text.contains(#"route="/v2/health/live""#))
        #expect(!text.contains("zzz-"))
    }

    @Test("model_name and model_version in the body, versioned infer path, no Content-Type")
    func versionsAndNames() throws {
        let body = V2.body([.matrix("logits", Self.logits), .int64("labels", Self.labels)],
                           extra: ["model_name": "loss", "model_version": "1"])
        let r = try CurlClient(base: server.base).request("POST", "/v2/models/loss/versions/1/infer", body: body.bytes, headers: [])
        #expect(r.status == 200, "\(r.text)")
    }
}
