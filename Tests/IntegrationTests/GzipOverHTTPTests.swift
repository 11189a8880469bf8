import Foundation
import Synchronization
import Testing
import SoftLabelHTTP
import SoftLabelService
import SoftLabelTestSupport

/// gzip on the wire, through libcurl against the real server: request bodies with
/// `Content-Encoding: gzip` answer byte for byte what the plain body answers, a bomb is a 413
/// without the server's memory following it, malformed gzip is a 400, other codings 415; and
/// responses are compressed by `Accept-Encoding` and the size threshold, with `Vary`.
@Suite("HTTP: gzip request bodies and responses", .serialized)
final class GzipOverHTTPTests {
    let server: TestServer

    init() throws {
        server = try TestServer()
    }

    deinit { server.stop() }

    static let json = "Content-Type: application/json"

    /// A B×K loss body with seeded N(0, 3²)-ish logits in Swift's shortest float text.
    static func lossBody(rows: Int, columns: Int, seed: UInt64) -> [UInt8] {
        var g = SeededGenerator(seed: seed)
        var text = #"{"logits":["#
        for b in 0..<rows {
            if b > 0 { text += "," }
            text += "[" + (0..<columns).map { _ in
                String(Float(Double(g.next() % 6_000_000) / 1_000_000 - 3) * 1.5)
            }.joined(separator: ",") + "]"
        }
        text += #"],"labels":["# + (0..<rows).map { _ in String(g.next() % UInt64(columns)) }.joined(separator: ",")
        text += #"],"label_smoothing":0.1,"return":["gradient"]}"#
        return Array(text.utf8)
    }

    @Test("/v1/loss 64×1000 with gradient: a gzip body answers the plain body's bytes; the response inflates back to them")
    func lossGzipBody() throws {
        let seed = SeededGenerator.seed(default: 1212)
        let body = Self.lossBody(rows: 64, columns: 1000, seed: seed)
        let gz = GzipDeflater.deflate(body, level: 6)
        let client = CurlClient(base: server.base)
        let plain = try client.request("POST", "/v1/loss", body: body)
        #expect(plain.status == 200, "seed \(seed): \(plain.text.prefix(300))")
        #expect(plain.body.count > 500_000)
        #expect(plain.headers["content-encoding"] == nil)
        let r = try client.request("POST", "/v1/loss", body: gz, headers: [Self.json, "Content-Encoding: gzip"])
        #expect(r.status == 200)
        #expect(r.body == plain.body, "seed \(seed): the gzip body's answer differs")
        // The response compressed too, as sent (smaller, our inflater reads it) and decoded by
        // libcurl (an independent inflater): the same bytes.
        let raw = try client.request("POST", "/v1/loss", body: gz, headers: [Self.json, "Content-Encoding: gzip", "Accept-Encoding: gzip"])
        #expect(raw.headers["content-encoding"] == "gzip")
        #expect(raw.headers["vary"] == "Accept-Encoding")
        #expect(raw.body.count < plain.body.count / 2)
        #expect(Int(raw.headers["content-length"] ?? "") == raw.body.count)
        #expect(try GzipInflater.inflate(raw.body, limit: 64 << 20) == plain.body)
        let decoded = try client.request("POST", "/v1/loss", body: body, decoding: "gzip")
        #expect(decoded.headers["content-encoding"] == "gzip")
        #expect(decoded.body == plain.body)
    }

    @Test("/v2/models/loss/infer: binary tensors and JSON, gzipped, answer what the plain bodies answer")
    func inferGzipBody() throws {
        var g = SeededGenerator(seed: SeededGenerator.seed(default: 77))
        let rows = 64, columns = 300
        let values = (0..<rows * columns).map { _ in Float(Double(g.next() % 1000) / 100 - 5) }
        let labels = (0..<rows).map { _ in Int(g.next() % UInt64(columns)) }
        let client = CurlClient(base: server.base)
        for binary in [true, false] {
            let body = V2.body([.fp32("logits", values, shape: [rows, columns]), .int64("labels", labels)], binary: binary,
                               parameters: ["label_smoothing": 0.1, "binary_data_output": binary],
                               outputs: [("loss", nil), ("gradient", nil)])
            let plain = try client.request("POST", "/v2/models/loss/infer", body: body.bytes, headers: body.headers)
            #expect(plain.status == 200, "\(plain.text.prefix(300))")
            let gz = GzipDeflater.deflate(body.bytes, level: 1)
            let r = try client.request("POST", "/v2/models/loss/infer", body: gz, headers: body.headers + ["Content-Encoding: gzip"])
            #expect(r.status == 200)
            #expect(r.body == plain.body, "binary \(binary)")
            #expect(r.headers["inference-header-content-length"] == plain.headers["inference-header-content-length"])
            // The response: JSON outputs compressed by Accept-Encoding, binary tensors never.
            let accepted = try client.request("POST", "/v2/models/loss/infer", body: gz,
                                              headers: body.headers + ["Content-Encoding: gzip", "Accept-Encoding: gzip"])
            #expect((accepted.headers["content-encoding"] == "gzip") == !binary, "binary \(binary)")
            let decoded = binary ? accepted.body : try GzipInflater.inflate(accepted.body, limit: 1 << 26)
            #expect(decoded == plain.body)
        }
    }

    /// The resident set of this process (server and client alike), in bytes.
    static func residentBytes() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    @Test("a gzip bomb (1 GiB of zeros in ~1 MB) is 413 and the resident set does not follow it")
    func bomb() throws {
        let limited = try TestServer(maxBodyBytes: 4 << 20)
        defer { limited.stop() }
        let member = GzipDeflater.deflate([UInt8](repeating: 0, count: 1 << 20), level: 9)
        let bomb = (0..<1024).flatMap { _ in member }
        #expect(bomb.count < 2 << 20, "the bomb fits the 4 MiB body limit on the wire")
        let client = CurlClient(base: limited.base)
        // Warm up the connection and the pool so that their first allocations do not count.
        _ = try client.request("POST", "/v1/loss", body: GzipDeflater.deflate(Array(#"{"logits":[[1,2]],"labels":[0]}"#.utf8), level: 1),
                               headers: [Self.json, "Content-Encoding: gzip"])
        let before = Self.residentBytes()
        let peak = Atomic<Int>(before)
        let done = Atomic<Bool>(false)
        let sampler = Thread {
            while !done.load(ordering: .acquiring) {
                let now = Self.residentBytes()
                if now > peak.load(ordering: .relaxed) { peak.store(now, ordering: .relaxed) }
                usleep(1000)
            }
        }
        sampler.start()
        let r = try client.request("POST", "/v1/loss", body: bomb, headers: [Self.json, "Content-Encoding: gzip"])
        done.store(true, ordering: .releasing)
        while !sampler.isFinished { usleep(1000) }
        let after = Self.residentBytes()
        #expect(r.status == 413)
        #expect(r.json?["code"] as? String == "body_too_large")
        let message = r.json?["error"] as? String ?? ""
        #expect(message.contains("decompressed") && message.contains("4194304"), "\(message)")
        #expect(message.contains("--max-body-bytes") && message.contains("SOFTLABEL_MAX_BODY_BYTES"))
        let grew = peak.load(ordering: .relaxed) - before
        #expect(grew < 50 << 20, "the resident set grew by \(grew >> 20) MiB at its peak (\(before >> 20) → \(after >> 20) MiB)")
        #expect(after - before < 50 << 20)
        // The server goes on serving on the same connection.
        #expect(try client.request("GET", "/healthz").status == 200)
    }

    @Test("corrupt, truncated, trailing-garbage and empty gzip bodies are 400 invalid_gzip; concatenated members are one body")
    func malformed() throws {
        let body = Array(#"{"logits":[[1,2,3],[0.5,0.1,2]],"labels":[0,2],"label_smoothing":0.1}"#.utf8)
        let gz = GzipDeflater.deflate(body, level: 6)
        var badCRC = gz
        badCRC[gz.count - 8] ^= 0xff
        let client = CurlClient(base: server.base)
        for (name, bytes, needle) in [
            ("plain JSON", body, "magic bytes 1f 8b"),
            ("truncated", Array(gz.dropLast(5)), "truncated"),
            ("bad CRC", badCRC, "incorrect data check"),
            ("trailing garbage", gz + Array("xyz".utf8), "3 bytes of trailing data"),
            ("empty", [], "empty"),
        ] as [(String, [UInt8], String)] {
            let r = try client.request("POST", "/v1/loss", body: bytes, headers: [Self.json, "Content-Encoding: gzip"])
            #expect(r.status == 400, "\(name)")
            #expect(r.json?["code"] as? String == "invalid_gzip", "\(name)")
            #expect((r.json?["error"] as? String ?? "").contains(needle), "\(name): \(r.text)")
        }
        let half = body.count / 2
        let members = GzipDeflater.deflate(Array(body[..<half]), level: 1) + GzipDeflater.deflate(Array(body[half...]), level: 9)
        let plain = try client.request("POST", "/v1/loss", body: body)
        let joined = try client.request("POST", "/v1/loss", body: members, headers: [Self.json, "Content-Encoding: gzip"])
        #expect(joined.status == 200 && joined.body == plain.body)
        let identity = try client.request("POST", "/v1/loss", body: body, headers: [Self.json, "Content-Encoding: identity"])
        #expect(identity.status == 200 && identity.body == plain.body)
        for coding in ["x-gzip", "GZip", "identity, gzip"] {
            let r = try client.request("POST", "/v1/loss", body: gz, headers: [Self.json, "Content-Encoding: \(coding)"])
            #expect(r.status == 200 && r.body == plain.body, "\(coding)")
        }
    }

    @Test("other content codings are 415 with Accept-Encoding: gzip")
    func unsupportedCoding() throws {
        let body = Array(#"{"logits":[[1,2,3]],"labels":[0]}"#.utf8)
        let client = CurlClient(base: server.base)
        for coding in ["br", "deflate", "zstd", "gzip, gzip"] {
            let r = try client.request("POST", "/v1/loss", body: body, headers: [Self.json, "Content-Encoding: \(coding)"])
            #expect(r.status == 415, "\(coding)")
            #expect(r.json?["code"] as? String == "unsupported_content_encoding")
            #expect((r.json?["error"] as? String ?? "").contains(coding))
            #expect(r.headers["accept-encoding"] == "gzip")
        }
    }

    @Test("responses: gzip by Accept-Encoding (q=0 honoured) over the threshold, with Vary; small ones and compressMinBytes 0 never")
    func responseCompression() throws {
        let client = CurlClient(base: server.base)
        let body = Self.lossBody(rows: 16, columns: 100, seed: 5)
        let plain = try client.request("POST", "/v1/loss", body: body)
        #expect(plain.status == 200 && plain.body.count >= ServiceConfiguration().compressMinBytes)
        #expect(plain.headers["vary"] == "Accept-Encoding", "large enough to vary, even uncompressed")
        for (accept, compressed) in [
            ("gzip", true), ("deflate, gzip;q=0.5", true), ("*", true), ("br, x-gzip", true),
            ("gzip;q=0", false), ("gzip;q=0, *", false), ("*;q=0", false), ("identity", false), ("br", false),
            ("gzip;q=0.2, identity", false),
        ] {
            let r = try client.request("POST", "/v1/loss", body: body, headers: [Self.json, "Accept-Encoding: \(accept)"])
            #expect(r.status == 200)
            #expect(r.headers["vary"] == "Accept-Encoding", "\(accept)")
            #expect((r.headers["content-encoding"] == "gzip") == compressed, "\(accept)")
            let decoded = compressed ? try GzipInflater.inflate(r.body, limit: 1 << 24) : r.body
            #expect(decoded == plain.body, "\(accept)")
        }
        // GET /openapi.yaml (made on the event loop, compressed on the pool) and HEAD of it.
        let spec = try client.request("GET", "/openapi.yaml", headers: [], decoding: "gzip")
        #expect(spec.headers["content-encoding"] == "gzip")
        #expect(spec.text.hasPrefix("openapi:"))
        let head = try client.request("HEAD", "/openapi.yaml", headers: ["Accept-Encoding: gzip"])
        #expect(head.headers["content-encoding"] == "gzip")
        // Below the threshold: never compressed, no Vary, errors included.
        let small = try client.request("POST", "/v1/loss", body: Array(#"{"logits":[[1,2]],"labels":[0]}"#.utf8),
                                       headers: [Self.json, "Accept-Encoding: gzip"])
        #expect(small.status == 200 && small.headers["content-encoding"] == nil && small.headers["vary"] == nil)
        let error = try client.request("POST", "/v1/loss", body: Array(#"{"logits":[[1,2]],"labels":[5]}"#.utf8),
                                       headers: [Self.json, "Accept-Encoding: gzip"])
        #expect(error.status == 422 && error.headers["content-encoding"] == nil && error.headers["vary"] == nil)
        // The HTTP layer's own answers: never (a 404 from the router is the service's, tiny anyway).
        let notFound = try client.request("GET", "/nope", headers: ["Accept-Encoding: gzip"])
        #expect(notFound.status == 404 && notFound.headers["content-encoding"] == nil)

        let off = try TestServer(compressMinBytes: 0)
        defer { off.stop() }
        let r = try CurlClient(base: off.base).request("POST", "/v1/loss", body: body, headers: [Self.json, "Accept-Encoding: gzip"])
        #expect(r.status == 200 && r.headers["content-encoding"] == nil && r.headers["vary"] == nil)
        #expect(r.body == plain.body)
    }
}
