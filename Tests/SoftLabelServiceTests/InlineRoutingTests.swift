import Testing
import SoftLabelHTTP
import SoftLabelService

/// Where a request runs is decided from its decoded sizes (`Prepared.work`'s cost), never by
/// scanning bytes: small requests are answered on the event loop, anything whose work can grow
/// beyond its body goes to the compute pool.
@Suite struct InlineRoutingTests {
    let handler = ServiceHTTPHandler(service: SoftLabelService(), metrics: ServiceMetrics(), isReady: { true })

    func request(_ path: String, _ body: String, method: String = "POST") -> HTTPRequest {
        HTTPRequest(method: method, target: path, version: .http1_1, headers: HTTPHeaders([("Content-Type", "application/json")]),
                    body: Array(body.utf8))
    }

    func inline(_ request: HTTPRequest) -> Bool {
        if case .respond = handler.accept(request) { return true }
        return false
    }

    @Test func smallRequestsRunInline() {
        let body = #"{"logits": [[1, 2, 3]], "labels": [0]}"#
        #expect(inline(request("/v1/loss", body)))
        #expect(inline(request("/v1/calibration", body)))
        #expect(inline(request("/v1/temperature", body)))
        #expect(inline(request("/healthz", "", method: "GET")))
        // The word alone decides nothing: this is an unknown field, answered at once with 422.
        let note = handler.respond(to: request("/v1/calibration", #"{"logits": [[1, 2]], "labels": [0], "note": "no bootstrap"}"#))
        #expect(note.status == 422)
        #expect(inline(request("/v1/calibration", #"{"logits": [[1, 2]], "labels": [0], "note": "no bootstrap"}"#)))
    }

    @Test func workThatGrowsBeyondTheBodyGoesToThePool() {
        #expect(!inline(request("/v1/calibration", #"{"logits": [[1, 2]], "labels": [0], "bootstrap": 10000}"#)))
        #expect(!inline(request("/v1/smooth", #"{"labels": [0], "num_classes": 1000000, "label_smoothing": 0.1}"#)))
        let large = #"{"logits": [["# + Array(repeating: "0.5", count: 5_000).joined(separator: ",") + #"]], "labels": [0]}"#
        #expect(!inline(request("/v1/loss", large)))
        #expect(!inline(request("/v1/calibration", large)))
        #expect(handler.respond(to: request("/v1/loss", large)).status == 200)
    }
}
