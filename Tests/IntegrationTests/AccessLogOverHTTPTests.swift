import Foundation
import Glibc
import Testing
import SoftLabelHTTP
import SoftLabelService

/// The access log of a real server, written through a `LogWriter` to a pipe: one JSON line per
/// response (the router's and the HTTP layer's), all of them out once the server has drained;
/// and with an output nobody reads, dropped lines counted in `/metrics`.
@Suite("HTTP: access log", .serialized)
struct AccessLogOverHTTPTests {
    /// A pipe whose read end does not block (the test drains it) and whose write end may not.
    static func pipe(nonBlockingWrite: Bool = false, capacity: Int32? = nil) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        precondition(Glibc.pipe(&fds) == 0)
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        if nonBlockingWrite { _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK) }
        if let capacity { _ = fcntl(fds[1], 1031 /* F_SETPIPE_SZ */, capacity) }
        return (fds[0], fds[1])
    }

    static func drain(_ fd: Int32) -> [UInt8] {
        var out: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { return out }
            out += chunk[..<n]
        }
    }

    static func server(_ output: AccessLog.Output, metrics: ServiceMetrics = ServiceMetrics()) throws -> (SoftLabelServer, String) {
        let http = HTTPConfiguration(host: "127.0.0.1", port: 0, drainTimeout: .seconds(5))
        let server = SoftLabelServer(http: http, metrics: metrics, accessLog: output)
        let port = try server.start()
        return (server, "http://127.0.0.1:\(port)")
    }

    @Test func everyResponseHasItsLineOnceTheServerHasDrained() throws {
        let fds = Self.pipe()
        defer { close(fds.read); close(fds.write) }
        // A long interval: only the flush at the end of the drain can have written the lines.
        let writer = LogWriter(fd: fds.write, limits: .init(interval: .seconds(60)))
        defer { writer.close() }
        let (server, base) = try Self.server(AccessLog.Output(writer: writer, format: .json, level: .info))
        let client = CurlClient(base: base)
        let body = Array(#"{"logits": [[2.0, 0.5, -1.0]], "labels": [0]}"#.utf8)
        #expect(try client.request("POST", "/v1/loss", body: body, headers: ["Content-Type: application/json", "X-Request-Id: trace-42"]).status == 200)
        #expect(try client.request("GET", "/healthz").status == 200)
        #expect(try client.request("GET", "/v1/no%22such%5Croute").status == 404)
        server.beginShutdown()
        server.waitUntilStopped()

        let lines = String(decoding: Self.drain(fds.read), as: UTF8.self).split(separator: "\n")
        let objects = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(objects.count == 3, "\(lines)")
        let byPath = Dictionary(objects.map { ($0["path"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        let loss = try #require(byPath["/v1/loss"])
        #expect(loss["method"] as? String == "POST" && loss["status"] as? Int == 200 && loss["request_id"] as? String == "trace-42")
        #expect(loss["bytes_in"] as? Int ?? 0 > body.count && loss["bytes_out"] as? Int ?? 0 > 0)
        #expect((loss["duration_ms"] as? Double).map { $0 >= 0 } == true)
        #expect((loss["remote"] as? String)?.hasPrefix("127.0.0.1:") == true)
        #expect(loss["level"] as? String == "info" && loss["message"] as? String == "request")
        #expect(byPath["/healthz"]?["status"] as? Int == 200)
        #expect(byPath["/v1/no%22such%5Croute"]?["status"] as? Int == 404)
    }

    @Test func linesBelowTheLevelAreNotWritten() throws {
        let fds = Self.pipe()
        defer { close(fds.read); close(fds.write) }
        let writer = LogWriter(fd: fds.write)
        defer { writer.close() }
        let (server, base) = try Self.server(AccessLog.Output(writer: writer, format: .text, level: .warning))
        #expect(try CurlClient(base: base).request("GET", "/healthz").status == 200)
        server.beginShutdown()
        server.waitUntilStopped()
        #expect(Self.drain(fds.read).isEmpty)
    }

    /// A 4 KiB pipe nobody reads and an 8 KiB bound: requests keep being answered, and the lines
    /// that found no room are counted in `softlabel_access_log_dropped_lines_total`.
    @Test func aBlockedLogDropsLinesCountedInMetrics() throws {
        let fds = Self.pipe(nonBlockingWrite: true, capacity: 4096)
        defer { close(fds.read); close(fds.write) }
        let metrics = ServiceMetrics()
        let writer = LogWriter(fd: fds.write, limits: .init(maxPendingBytes: 8192, batchBytes: 2048, interval: .milliseconds(1)),
                               onDrop: { metrics.logLinesDropped($0) })
        let (server, base) = try Self.server(AccessLog.Output(writer: writer, format: .text, level: .info), metrics: metrics)
        let client = CurlClient(base: base)
        for _ in 0..<400 { #expect(try client.request("GET", "/healthz").status == 200) }
        let exposition = try client.request("GET", "/metrics").text
        let line = try #require(exposition.split(separator: "\n").first { $0.hasPrefix("softlabel_access_log_dropped_lines_total ") })
        let dropped = try #require(Int(line.split(separator: " ")[1]))
        #expect(dropped > 200, "400 lines of ~190 bytes, room for ~100")
        #expect(dropped <= writer.droppedLines)
        server.beginShutdown()
        server.waitUntilStopped()
        writer.close(timeout: .milliseconds(200))
    }
}
