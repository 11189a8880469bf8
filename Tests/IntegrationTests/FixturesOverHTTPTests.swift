import Foundation
import Testing
import SoftLabelKernels
import SoftLabelTestSupport

/// The real server driven through libcurl: every reference case over HTTP on one kept-alive
/// connection, a 20 MB body (curl sends `Expect: 100-continue` for it), a chunked upload, and
/// concurrent clients.
@Suite("HTTP: fixtures, big bodies, keep-alive, concurrency", .serialized)
final class FixturesOverHTTPTests {
    let server: TestServer

    init() throws { server = try TestServer() }
    deinit { server.stop() }

    @Test("every smoothing and loss fixture over one kept-alive connection")
    func fixtures() throws {
        let client = CurlClient(base: server.base)
        let cases = try Fixtures.cases("smoothing") + Fixtures.cases("loss") + Fixtures.cases("calibration")
        for c in cases {
            let r = try client.request("POST", c.endpoint, body: c.requestBytes)
            #expect(r.status == 200, "\(c.name): \(r.text.prefix(300))")
            let json = try #require(r.json, "\(c.name): not JSON")
            let mismatch = Tolerance.mismatch(json, c.expected, rtol: c.rtol, atol: c.atol)
            #expect(mismatch == nil, "\(c.name): \(mismatch ?? "")")
            #expect(r.headers["content-type"] == "application/json")
            #expect(r.headers["x-request-id"] != nil)
        }
        #expect(client.connectionsOpened == 1, "keep-alive: \(cases.count) requests should share one connection")
    }

    /// A B×K logits body as JSON text, and the loss the kernels give for it.
    static func bigLossBody(rows: Int, columns: Int) -> (body: [UInt8], logits: Matrix, labels: [Int]) {
        let seed = SeededGenerator.seed(default: 0x5EED0001)  // replay: SOFTLABEL_TEST_SEED=<seed>
        var g = SeededGenerator(seed: seed)
        var values = [Float](repeating: 0, count: rows * columns)
        for i in values.indices { values[i] = Float.random(in: -8...8, using: &g) }
        let labels = (0..<rows).map { $0 % columns }
        var text = "{\"label_smoothing\":0.1,\"labels\":[" + labels.map(String.init).joined(separator: ",") + "],\"logits\":["
        for b in 0..<rows {
            if b > 0 { text += "," }
            text += "[" + values[(b * columns)..<((b + 1) * columns)].map { "\($0)" }.joined(separator: ",") + "]"
        }
        text += "]}"
        return (Array(text.utf8), Matrix(rows: rows, columns: columns, values: values), labels)
    }

    @Test("a 20 MB body with curl's automatic Expect: 100-continue")
    func twentyMegabytes() throws {
        let (body, logits, labels) = Self.bigLossBody(rows: 2000, columns: 1000)
        #expect(body.count > 20_000_000 / 2)
        let client = CurlClient(base: server.base)
        let started = Date()
        let r = try client.request("POST", "/v1/loss", body: body)
        let elapsed = Date().timeIntervalSince(started)
        #expect(r.status == 200, "\(r.text.prefix(300))")
        let expected = Loss.compute(logits: logits, source: .labels(labels, ignoreIndex: nil),
                                    configuration: LossConfiguration(smoothing: LabelSmoothing(epsilon: 0.1))).loss!
        let loss = try #require((r.json?["loss"] as? NSNumber)?.doubleValue)
        #expect(abs(loss - expected) <= 1e-6 * abs(expected))
        // curl sent `Expect: 100-continue` for this body and the server answered it (without the
        // interim response curl would wait a whole second before sending the body).
        #expect(r.sawContinue, "no 100 Continue before the final response (took \(elapsed) s)")
    }

    @Test("chunked upload in 1000-byte chunks")
    func chunkedUpload() throws {
        let c = try #require(Fixtures.cases("loss").first { $0.name.contains("weighted") })
        let client = CurlClient(base: server.base)
        let r = try client.request("POST", c.endpoint, body: c.requestBytes, chunked: true, chunkSize: 1000)
        #expect(r.status == 200, "\(r.text)")
        let mismatch = Tolerance.mismatch(r.json, c.expected, rtol: c.rtol, atol: c.atol)
        #expect(mismatch == nil, "\(mismatch ?? "")")
    }

    @Test("32 concurrent clients, 8 requests each")
    func concurrentClients() async throws {
        let cases = try Fixtures.cases("loss").filter { $0.name.hasPrefix("ce_") }
        let base = server.base
        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<32 {
                group.addTask {
                    let client = CurlClient(base: base)
                    var failed = 0
                    for i in 0..<8 {
                        let c = cases[(worker * 8 + i) % cases.count]
                        let r = try client.request("POST", c.endpoint, body: c.requestBytes)
                        if r.status != 200 || Tolerance.mismatch(r.json, c.expected, rtol: c.rtol, atol: c.atol) != nil { failed += 1 }
                    }
                    return failed
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(failures == 0)
    }
}
