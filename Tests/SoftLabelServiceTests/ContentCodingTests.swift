import Testing
import SoftLabelHTTP
@testable import SoftLabelService

/// `Accept-Encoding` weights (RFC 9110 §12.5.3), `Content-Encoding` on requests, and where the
/// handler inflates and compresses: never on the event loop.
@Suite struct ContentCodingTests {
    @Test(arguments: [
        // (Accept-Encoding, gzip wanted)
        ("gzip", true), ("GZIP", true), ("x-gzip", true), ("gzip, deflate, br", true), ("br;q=1, gzip;q=0.8", true),
        ("*", true), ("*;q=0.1", true), ("identity, *", true), ("gzip;q=1.000", true), ("gzip ; q=0.5", true), ("gzip;Q=0.5", true),
        ("gzip;q=0", false), ("gzip;q=0.000", false), ("gzip;q=0, *", false), ("*, gzip;q=0", false), ("*;q=0", false),
        ("deflate, br", false), ("identity", false), ("", false), ("gzip;q=0.5, identity", false),
        ("gzip;q=0.5, identity;q=0.5", true), ("gzip, identity;q=0", true),
        // Invalid qvalues drop their element: gzip;q=2 is not a weight, so only * counts.
        ("gzip;q=2", false), ("gzip;q=0.1234", false), ("gzip;q=abc, *;q=0.3", true), ("gzip;q=1.5", false),
    ] as [(String, Bool)])
    func acceptEncodingWeights(value: String, wanted: Bool) {
        #expect(AcceptEncoding(HTTPHeaders([("Accept-Encoding", value)])).prefersGzip == wanted, "\(value)")
    }

    @Test func noAcceptEncodingMeansNoGzip() {
        #expect(!AcceptEncoding(HTTPHeaders()).prefersGzip)
        // Two field lines are one list.
        #expect(AcceptEncoding(HTTPHeaders([("Accept-Encoding", "br"), ("accept-encoding", "gzip")])).prefersGzip)
    }

    @Test func qvalues() {
        #expect(AcceptEncoding.qvalue("1") == 1000)
        #expect(AcceptEncoding.qvalue("0.5") == 500)
        #expect(AcceptEncoding.qvalue("0.05") == 50)
        #expect(AcceptEncoding.qvalue("0.") == 0)
        #expect(AcceptEncoding.qvalue("0.001") == 1)
        for bad in ["", "2", "1.1", "-0", ".5", "0.5000", "0,5", "01"] {
            #expect(AcceptEncoding.qvalue(Substring(bad)) == nil, "\(bad)")
        }
    }

    @Test func requestContentCodings() throws {
        func coding(_ values: String...) -> Result<RequestContentCoding, ServiceError> {
            RequestContentCoding.of(HTTPHeaders(values.map { ("Content-Encoding", $0) }))
        }
        #expect(RequestContentCoding.of(HTTPHeaders()) == .success(.identity))
        #expect(coding("identity") == .success(.identity))
        #expect(coding("") == .success(.identity))
        #expect(coding("gzip") == .success(.gzip))
        #expect(coding("X-GZIP") == .success(.gzip))
        #expect(coding("identity, gzip") == .success(.gzip))
        for refused in [["br"], ["deflate"], ["gzip, gzip"], ["gzip", "gzip"], ["gzip, br"], ["zstd"]] {
            guard case .failure(let e) = RequestContentCoding.of(HTTPHeaders(refused.map { ("Content-Encoding", $0) })) else {
                Issue.record("accepted \(refused)")
                continue
            }
            #expect(e.status == 415 && e.code == "unsupported_content_encoding")
            #expect(e.message.contains(refused.joined(separator: ", ")))
            #expect(e.headers.contains { $0.0 == "Accept-Encoding" && $0.1 == "gzip" })
        }
    }

    let handler = ServiceHTTPHandler(service: SoftLabelService(), metrics: ServiceMetrics(), isReady: { true })

    func post(_ path: String, _ body: [UInt8], _ headers: [(String, String)]) -> HTTPRequest {
        HTTPRequest(method: "POST", target: path, headers: HTTPHeaders([("Content-Type", "application/json")] + headers), body: body)
    }

    /// A gzip body, however small, is inflated on the compute pool, then answered exactly as the
    /// plain body is.
    @Test func gzipBodiesAreInflatedOnThePool() {
        let body = Array(#"{"logits": [[1, 2, 3]], "labels": [0], "label_smoothing": 0.1}"#.utf8)
        let plain = post("/v1/loss", body, [])
        let gzip = post("/v1/loss", GzipDeflater.deflate(body, level: 6), [("Content-Encoding", "gzip")])
        guard case .respond(let expected) = handler.accept(plain) else { Issue.record("the plain body is not inline"); return }
        guard case .compute(let job) = handler.accept(gzip) else { Issue.record("the gzip body is inflated on the event loop"); return }
        let answer = job()
        #expect(answer.status == 200)
        #expect(answer.body == expected.body)
        // Errors of the inflated body are the plain body's errors.
        let bad = Array(#"{"logits": [[1, 2, 3]], "labels": [7]}"#.utf8)
        let a = handler.respond(to: post("/v1/loss", bad, []))
        let b = handler.respond(to: post("/v1/loss", GzipDeflater.deflate(bad, level: 1), [("Content-Encoding", "x-gzip")]))
        #expect(a.status == 422 && a.body == b.body)
        // Routing and media type are checked before any inflating.
        #expect(handler.respond(to: post("/v1/nope", [1, 2], [("Content-Encoding", "gzip")])).status == 404)
        let csv = HTTPRequest(method: "POST", target: "/v1/loss", headers: HTTPHeaders([("Content-Type", "text/csv"), ("Content-Encoding", "gzip")]), body: [1, 2])
        guard case .respond(let media) = handler.accept(csv) else {
            Issue.record("a 415 went to the pool"); return
        }
        #expect(media.status == 415)
    }

    /// The limit holds for the decompressed body: 413 naming it, never more than that inflated.
    @Test func decompressedSizeIsHeldToTheBodyLimit() throws {
        let limited = ServiceHTTPHandler(service: SoftLabelService(configuration: ServiceConfiguration(maxBodyBytes: 1000)),
                                         metrics: ServiceMetrics(), isReady: { true })
        let body = GzipDeflater.deflate([UInt8](repeating: 0x20, count: 1001), level: 9)
        let r = limited.respond(to: post("/v1/loss", body, [("Content-Encoding", "gzip")]))
        #expect(r.status == 413)
        #expect(String(decoding: r.body, as: UTF8.self).contains("decompressed body is 1000 bytes"))
        // Within the limit, a truncated body is a 400 (over it, the 413 comes first: inflating stops).
        let small = GzipDeflater.deflate([UInt8](repeating: 0x20, count: 500), level: 9)
        let corrupt = limited.respond(to: post("/v1/loss", Array(small.dropLast(3)), [("Content-Encoding", "gzip")]))
        #expect(corrupt.status == 400)
        #expect(String(decoding: corrupt.body, as: UTF8.self).contains("invalid_gzip"))
    }

    /// Compression happens inside a `.compute` job; a response over the threshold gets `Vary`
    /// whether or not it is compressed; under the threshold, or with compression off, neither.
    @Test func responsesAreCompressedOnThePool() throws {
        let get = { (headers: [(String, String)]) in HTTPRequest(method: "GET", target: "/openapi.yaml", headers: HTTPHeaders(headers)) }
        guard case .respond(let plain) = handler.accept(get([])) else { Issue.record("a plain GET left the loop"); return }
        #expect(plain.body.count >= ServiceConfiguration().compressMinBytes)
        #expect(plain.headers["vary"] == "Accept-Encoding")
        #expect(plain.headers["content-encoding"] == nil)
        guard case .compute(let job) = handler.accept(get([("Accept-Encoding", "gzip")])) else {
            Issue.record("compressed on the event loop"); return
        }
        let compressed = job()
        #expect(compressed.headers["content-encoding"] == "gzip")
        #expect(compressed.headers["vary"] == "Accept-Encoding")
        #expect(compressed.body.count < plain.body.count)
        #expect(try GzipInflater.inflate(compressed.body, limit: 1 << 20) == plain.body)
        // A small response stays as it is, inline and without Vary.
        guard case .respond(let health) = handler.accept(HTTPRequest(method: "GET", target: "/healthz", headers: HTTPHeaders([("Accept-Encoding", "gzip")]))) else {
            Issue.record("a small response left the loop"); return
        }
        #expect(health.headers["vary"] == nil && health.headers["content-encoding"] == nil)
        // compressMinBytes 0: never.
        let off = ServiceHTTPHandler(service: SoftLabelService(configuration: ServiceConfiguration(compressMinBytes: 0)),
                                     metrics: ServiceMetrics(), isReady: { true })
        guard case .respond(let uncompressed) = off.accept(get([("Accept-Encoding", "gzip")])) else { Issue.record("left the loop"); return }
        #expect(uncompressed.headers["content-encoding"] == nil && uncompressed.headers["vary"] == nil)
        #expect(uncompressed.body == plain.body)
    }

    /// Binary tensors are never compressed (they barely shrink) and so do not vary.
    @Test func binaryTensorResponsesStayAsTheyAre() {
        let bytes = [UInt8](repeating: 0, count: 20_000)
        let rule = ResponseCompression(minBytes: 100)
        let gzip = AcceptEncoding(HTTPHeaders([("Accept-Encoding", "gzip")]))
        for type in ["application/octet-stream", "Application/Octet-Stream; x=1"] {
            let r = rule.apply(HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", type)]), body: bytes), gzip)
            #expect(r.body == bytes && r.headers["content-encoding"] == nil && r.headers["vary"] == nil, "\(type)")
        }
        let json = rule.apply(HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]), body: bytes), gzip)
        #expect(json.headers["content-encoding"] == "gzip" && json.body.count < 1000)
    }

    /// A body that gzip does not shrink is sent as it is (still with Vary).
    @Test func incompressibleBodiesStayAsTheyAre() {
        var g = SystemRandomNumberGenerator()
        let noise = (0..<20_000).map { _ in UInt8.random(in: 0...255, using: &g) }
        let rule = ResponseCompression(minBytes: 100)
        let r = rule.apply(HTTPResponse(status: 200, body: noise), AcceptEncoding(HTTPHeaders([("Accept-Encoding", "gzip")])))
        #expect(r.body == noise)
        #expect(r.headers["content-encoding"] == nil && r.headers["vary"] == "Accept-Encoding")
    }
}
