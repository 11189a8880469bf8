import Logging
import Testing
import SoftLabelHTTP
import SoftLabelTestSupport
@testable import SoftLabelService

/// The request path's text line (`AccessLineText`) against the reference `LogLine` (through
/// `AccessLog.line`): byte for byte where it answers, untouched buffer where it declines.
@Suite struct AccessLineTextTests {
    static let pieces = ["POST", "GET", "/v1/loss", "/v2/models/loss/infer", "-", "127.0.0.1:50312", "[::1]:8080",
                         "d2cdd90585399d28", "header_timeout", "/é/日本", "with space", "", "a\"b", "back\\slash", "tab\there", "del\u{7F}"]

    static func fast(_ r: HTTPResponseRecord, _ level: Logger.Level, _ label: String, _ time: (Int, Int), prefix: [UInt8]) -> [UInt8]? {
        var out = prefix
        let ok = AccessLineText.append(r, level: level, label: label, time: time, durationMicroseconds: AccessLog.microseconds(r), to: &out)
        if !ok { #expect(out == prefix, "a declined line leaves the buffer as it was") }
        return ok ? out : nil
    }

    @Test func equalsLogLineOnSeededRecords() {
        var g = SeededGenerator(seed: SeededGenerator.seed(default: 0xACCE55))
        var answered = 0, declined = 0
        for _ in 0..<5_000 {
            func pick() -> String? { Bool.random(using: &g) && Bool.random(using: &g) ? nil : Self.pieces.randomElement(using: &g)! }
            let durations: [Double] = [0, 0.0000624, 30.0004996, 1e-7, 0.0005, 123.4567, .infinity, .nan, -1, 2e9]
            let r = HTTPResponseRecord(
                method: pick(), path: pick(), status: Int.random(in: 100...599, using: &g),
                requestBytes: Int.random(in: 0...Int.max, using: &g) >> Int.random(in: 0...62, using: &g),
                responseBytes: Int.random(in: 0...1 << 40, using: &g), durationSeconds: durations.randomElement(using: &g)!,
                requestID: pick(), remoteAddress: pick(), errorCode: pick(), completed: Bool.random(using: &g))
            let level: Logger.Level = [.info, .warning].randomElement(using: &g)!
            let label = ["softlabel", "", "my service", "ctl\u{1}"].randomElement(using: &g)!
            let seconds = [Int.random(in: 0...4_102_444_800, using: &g), -1, 253_402_300_799, 253_402_300_800, -62_167_219_201].randomElement(using: &g)!
            let time = (seconds, Int.random(in: 0...999, using: &g))
            let prefix = Array("earlier line\n".utf8)
            let expected = AccessLog.line(r, level: level, format: .text, label: label, time: time, appendingTo: prefix)
            if let line = Self.fast(r, level, label, time, prefix: prefix) {
                answered += 1
                #expect(line == expected, "\(String(decoding: line, as: UTF8.self)) vs \(String(decoding: expected, as: UTF8.self))")
            } else {
                declined += 1
                // It declines only where LogLine quotes or escapes something.
                let text = String(decoding: expected, as: UTF8.self)
                #expect(text.contains("\"") || text.contains("\\") || label.contains("\u{1}"), "declined: \(text)")
            }
        }
        #expect(answered > 300 && declined > 300, "answered \(answered), declined \(declined)")
    }

    @Test func theDocumentedLine() throws {
        let r = HTTPResponseRecord(method: "POST", path: "/v1/loss", status: 200, requestBytes: 312, responseBytes: 171,
                                   durationSeconds: 0.0000624, requestID: nil, remoteAddress: "127.0.0.1:50312", errorCode: nil, completed: true)
        let line = try #require(Self.fast(r, .info, "softlabel", (1_796_204_467, 123), prefix: []))
        #expect(String(decoding: line, as: UTF8.self) == "2026-12-02T09:41:07.123Z info softlabel: bytes_in=312 bytes_out=171 "
            + "duration_ms=0.062 method=POST path=/v1/loss remote=127.0.0.1:50312 request_id=- status=200 [SoftLabelService] request\n")
    }
}
