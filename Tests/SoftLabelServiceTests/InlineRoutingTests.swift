import Testing
import SoftLabelHTTP
import SoftLabelService

/// Which requests the handler answers on the I/O thread (`runsInline`): only those whose cost is
/// bounded by a small body; anything that can multiply its work goes to the compute pool.
@Suite struct InlineRoutingTests {
    let handler = ServiceHTTPHandler(service: SoftLabelService(), metrics: ServiceMetrics(), isReady: { true })

    func request(_ path: String, _ body: String, method: String = "POST") -> HTTPRequest {
        HTTPRequest(method: method, target: path, version: .http1_1, headers: HTTPHeaders([("Content-Type", "application/json")]),
                    body: Array(body.utf8))
    }

    @Test func smallLossAndCalibrationRunInline() {
        let body = #"{"logits": [[1, 2, 3]], "labels": [0]}"#
        #expect(handler.runsInline(request("/v1/loss", body)))
        #expect(handler.runsInline(request("/v1/calibration", body)))
        #expect(handler.runsInline(request("/healthz", "", method: "GET")))
    }

    @Test func bootstrapLargeBodiesAndOtherRoutesGoToThePool() {
        #expect(!handler.runsInline(request("/v1/calibration", #"{"logits": [[1, 2]], "labels": [0], "bootstrap": 1000}"#)))
        // Over-approximated on purpose: the word anywhere sends it to the pool.
        #expect(!handler.runsInline(request("/v1/calibration", #"{"logits": [[1, 2]], "labels": [0], "note": "no bootstrap"}"#)))
        let large = #"{"logits": [["# + Array(repeating: "0.5", count: 5_000).joined(separator: ",") + #"]], "labels": [0]}"#
        #expect(!handler.runsInline(request("/v1/loss", large)))
        #expect(!handler.runsInline(request("/v1/calibration", large)))
        #expect(!handler.runsInline(request("/v1/smooth", #"{"labels": [0], "num_classes": 1000000}"#)))
        #expect(!handler.runsInline(request("/v1/temperature", #"{"logits": [[1, 2]], "labels": [0]}"#)))
    }
}
