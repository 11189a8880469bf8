import Foundation
import Testing
import SoftLabelTestSupport

/// The API's error catalogue over HTTP: each status with the error shape, and the operations
/// routes.
@Suite("HTTP: errors and operations", .serialized)
final class ErrorsOverHTTPTests {
    let server: TestServer

    init() throws {
        server = try TestServer(maxBodyBytes: 1 << 20)
    }

    deinit { server.stop() }

    func check(_ r: CurlClient.Response, status: Int, code: String, path: String? = nil) {
        #expect(r.status == status, "\(r.text)")
        let json = r.json
        #expect(json?["code"] as? String == code, "\(r.text)")
        #expect((json?["error"] as? String)?.isEmpty == false)
        if let path { #expect(json?["path"] as? String == path, "\(r.text)") }
        #expect(r.headers["content-type"] == "application/json")
    }

    @Test("400 malformed JSON")
    func malformed() throws {
        let r = try CurlClient(base: server.base).request("POST", "/v1/loss", body: Array(#"{"logits": [[1, 2]],"#.utf8))
        check(r, status: 400, code: "malformed_json")
    }

    @Test("404 unknown route")
    func notFound() throws {
        check(try CurlClient(base: server.base).request("GET", "/v1/nothing"), status: 404, code: "not_found")
    }

    @Test("405 with Allow")
    func methodNotAllowed() throws {
        let client = CurlClient(base: server.base)
        let r = try client.request("GET", "/v1/loss")
        check(r, status: 405, code: "method_not_allowed")
        #expect(r.headers["allow"] == "POST")
        let h = try client.request("POST", "/healthz", body: [])
        #expect(h.status == 405)
        #expect(h.headers["allow"] == "GET, HEAD")
    }

    @Test("413 body over the limit, before it is read")
    func tooLarge() throws {
        let body = [UInt8](repeating: 0x20, count: 2 << 20)
        let r = try CurlClient(base: server.base).request("POST", "/v1/loss", body: body)
        #expect(r.status == 413)
        #expect(r.json?["code"] != nil)
    }

    @Test("415 content type; no content type is read as JSON")
    func contentType() throws {
        let client = CurlClient(base: server.base)
        let body = Array(#"{"labels": [0], "num_classes": 2, "label_smoothing": 0.2}"#.utf8)
        check(try client.request("POST", "/v1/smooth", body: body, headers: ["Content-Type: text/csv"]), status: 415, code: "unsupported_media_type")
        let ok = try client.request("POST", "/v1/smooth", body: body, headers: ["Content-Type:"])
        #expect(ok.status == 200, "\(ok.text)")
        let charset = try client.request("POST", "/v1/smooth", body: body, headers: ["Content-Type: application/json; charset=utf-8"])
        #expect(charset.status == 200)
    }

    @Test("422 names the field")
    func unprocessable() throws {
        let client = CurlClient(base: server.base)
        check(try client.request("POST", "/v1/loss", body: Array(#"{"logits": [[1, 2, 3]], "labels": [5]}"#.utf8)),
              status: 422, code: "label_out_of_range", path: "labels[0]")
        check(try client.request("POST", "/v1/loss", body: Array(#"{"logits": [[1, 2, 3], [4]], "labels": [0, 0]}"#.utf8)),
              status: 422, code: "shape_mismatch", path: "logits[1]")
        check(try client.request("POST", "/v1/smooth", body: Array(#"{"labels": [0], "num_classes": 2, "label_smoothing": 1.5}"#.utf8)),
              status: 422, code: "invalid_value", path: "label_smoothing")
        check(try client.request("POST", "/v1/smooth", body: Array(#"{"labels": [0], "num_classes": 2, "label_smoothing": 0.1, "eps": 1}"#.utf8)),
              status: 422, code: "unknown_field", path: "eps")
    }

    @Test("operations: healthz, readyz, metrics, openapi.yaml, HEAD, X-Request-Id echo")
    func operations() throws {
        let client = CurlClient(base: server.base)
        #expect(try client.request("GET", "/healthz").status == 200)
        #expect(try client.request("GET", "/readyz").status == 200)
        let spec = try client.request("GET", "/openapi.yaml")
        #expect(spec.status == 200)
        #expect(spec.text.hasPrefix("openapi: 3.1"))
        let head = try client.request("HEAD", "/openapi.yaml")
        #expect(head.status == 200 && head.body.isEmpty)
        #expect(head.headers["content-length"] == String(spec.body.count))
        let echoed = try client.request("GET", "/healthz", headers: ["X-Request-Id: trace-42"])
        #expect(echoed.headers["x-request-id"] == "trace-42")
        _ = try client.request("POST", "/v1/loss", body: Array(#"{"logits": [[1, 2]], "labels": [1]}"#.utf8))
        _ = try client.request("BREW", "/healthz")  // an invented method: labelled "other"
        _ = try client.request("POST", "/v1/loss", body: Array(#"{"logits": [[1, 2]], "labels": [1]}"#.utf8))
        let metrics = try client.request("GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(metrics.text.contains(#"softlabel_http_requests_total{route="/v1/loss",method="POST",status="200"} 2"#))
        #expect(metrics.text.contains(#"method="other""#) && !metrics.text.contains("BREW"))
        #expect(metrics.text.contains("softlabel_http_request_duration_seconds_bucket"))
    }
}
