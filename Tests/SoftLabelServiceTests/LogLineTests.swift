import Foundation
import Glibc
import Logging
import Testing
import SoftLabelHTTP
import SoftLabelTestSupport
@testable import SoftLabelService

/// The log lines' bytes: timestamps against known epochs and glibc's `gmtime_r`, the access-log
/// line in both formats, and escaping (a JSON line always parses back to the same strings, a text
/// line is always one line).
@Suite struct LogLineTests {
    static func timestamp(_ seconds: Int, _ milliseconds: Int = 0) -> String {
        var out: [UInt8] = []
        LogTimestamp.append(seconds: seconds, milliseconds: milliseconds, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func timestampsOfKnownEpochs() {
        #expect(Self.timestamp(0) == "1970-01-01T00:00:00.000Z")
        #expect(Self.timestamp(1_796_204_467, 123) == "2026-12-02T09:41:07.123Z")
        #expect(Self.timestamp(951_868_799, 999) == "2000-02-29T23:59:59.999Z")   // leap day of a /400 year
        #expect(Self.timestamp(4_107_542_400) == "2100-03-01T00:00:00.000Z")      // 2100 is no leap year
        #expect(Self.timestamp(-1, 7) == "1969-12-31T23:59:59.007Z")
        #expect(Self.timestamp(-62_135_596_800) == "0001-01-01T00:00:00.000Z")
        #expect(Self.timestamp(253_402_300_799) == "9999-12-31T23:59:59.000Z")
        #expect(Self.timestamp(0).utf8.count == LogTimestamp.byteCount)
    }

    /// 20,000 seeded seconds over years 1...9999 equal glibc's `gmtime_r` field by field.
    @Test func timestampsEqualGmtime() {
        var random = SeededGenerator(seed: 14)
        for _ in 0..<20_000 {
            let seconds = Int.random(in: -62_135_596_800...253_402_300_799, using: &random)
            var t = time_t(seconds), parts = tm()
            gmtime_r(&t, &parts)
            let expected = String(format: "%04d-%02d-%02dT%02d:%02d:%02d.042Z", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                                  Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
            #expect(Self.timestamp(seconds, 42) == expected, "\(seconds)")
        }
    }

    @Test func nowIsTheSystemClock() {
        let before = time(nil)
        let now = LogTimestamp.now()
        let after = time(nil)
        #expect(now.seconds >= before && now.seconds <= after)
        #expect((0...999).contains(now.milliseconds))
    }

    static let record = HTTPResponseRecord(
        method: "POST", path: "/v1/loss", status: 200, requestBytes: 312, responseBytes: 171, durationSeconds: 0.0000624,
        requestID: "r-1", remoteAddress: "127.0.0.1:50312", errorCode: nil, completed: true)

    @Test func accessLineInText() {
        let line = AccessLog.line(Self.record, level: .info, format: .text, label: "softlabel", time: (1_796_204_467, 5))
        #expect(String(decoding: line, as: UTF8.self) ==
            "2026-12-02T09:41:07.005Z info softlabel: bytes_in=312 bytes_out=171 duration_ms=0.062 method=POST path=/v1/loss "
            + "remote=127.0.0.1:50312 request_id=r-1 status=200 [SoftLabelService] request\n")
        var failed = Self.record
        failed.status = 408
        failed.method = nil
        failed.path = nil
        failed.requestID = nil
        failed.remoteAddress = nil
        failed.errorCode = "header_timeout"
        failed.completed = false
        failed.durationSeconds = 30.0004996
        let second = AccessLog.line(failed, level: .info, format: .text, label: "softlabel", time: (0, 0))
        #expect(String(decoding: second, as: UTF8.self) ==
            "1970-01-01T00:00:00.000Z info softlabel: aborted=true bytes_in=312 bytes_out=171 duration_ms=30000.500 "
            + "error=header_timeout method=- path=- request_id=- status=408 [SoftLabelService] request\n")
    }

    @Test func accessLineInJSON() throws {
        let line = AccessLog.line(Self.record, level: .warning, format: .json, label: "softlabel", time: (1_796_204_467, 5))
        #expect(String(decoding: line, as: UTF8.self) ==
            #"{"timestamp":"2026-12-02T09:41:07.005Z","level":"warning","label":"softlabel","source":"SoftLabelService","message":"request","#
            + #""bytes_in":312,"bytes_out":171,"duration_ms":0.062,"method":"POST","path":"/v1/loss","remote":"127.0.0.1:50312","#
            + #""request_id":"r-1","status":200}"# + "\n")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        #expect(object["duration_ms"] as? Double == 0.062)
        #expect(object["status"] as? Int == 200)
    }

    /// Paths and ids with quotes, backslashes, every control byte, DEL and non-ASCII text.
    static let oddValues: [String] = [
        #"/v1/"quoted"\back\slash"#, "/a\nb\rc\td", "/nul\u{0}bell\u{7}esc\u{1B}del\u{7F}", "/é/日本/🙂", "with space", "",
        String(decoding: (0..<32).map { UInt8($0) }, as: UTF8.self),
    ]

    @Test(arguments: oddValues)
    func oddValuesRoundTripThroughJSON(_ value: String) throws {
        var record = Self.record
        record.path = value
        record.requestID = value
        record.errorCode = value
        let line = AccessLog.line(record, level: .info, format: .json, label: "softlabel", time: (0, 0))
        #expect(line.last == UInt8(ascii: "\n") && line.dropLast().allSatisfy { $0 >= 0x20 && $0 != 0x7F }, "one line, no raw control byte")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        #expect(object["path"] as? String == value)
        #expect(object["request_id"] as? String == value)
        #expect(object["error"] as? String == value)
    }

    @Test(arguments: oddValues)
    func oddValuesStayOneTextLine(_ value: String) throws {
        var record = Self.record
        record.path = value
        let text = String(decoding: AccessLog.line(record, level: .info, format: .text, label: "softlabel", time: (0, 0)), as: UTF8.self)
        #expect(text.utf8.last == UInt8(ascii: "\n") && text.utf8.dropLast().allSatisfy { $0 >= 0x20 && $0 != 0x7F }, "\(text)")
        // A quoted value is a JSON string literal: it decodes back to the path.
        let field = try #require(text.range(of: " path=")).upperBound
        let rest = text[field...]
        if rest.hasPrefix("\"") {
            let end = try #require(rest.range(of: #"" remote="#)).lowerBound
            let decoded = try JSONSerialization.jsonObject(with: Data(rest[...end].utf8), options: .fragmentsAllowed) as? String
            #expect(decoded == value)
        } else {
            #expect(rest.hasPrefix(value + " ") && !value.isEmpty && !value.contains(" "))
        }
    }

    @Test func otherLinesCarryTheirMetadata() throws {
        let metadata: Logger.Metadata = ["port": .stringConvertible(8080), "host": "::", "tags": ["a", "b\n"], "nested": ["k": "v"]]
        let json = LineLogHandler.line(time: (0, 1), format: .json, level: .error, label: "softlabel", source: "softlabel",
                                       message: "cannot \"listen\"", metadata: metadata)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        #expect(object["message"] as? String == "cannot \"listen\"" && object["level"] as? String == "error")
        #expect(object["port"] as? String == "8080" && object["host"] as? String == "::")
        #expect(object["tags"] as? [String] == ["a", "b\n"] && object["nested"] as? [String: String] == ["k": "v"])
        let text = LineLogHandler.line(time: (0, 1), format: .text, level: .error, label: "softlabel", source: "softlabel",
                                       message: "two\nlines", metadata: ["port": "8080", "host": "::"])
        #expect(String(decoding: text, as: UTF8.self) == "1970-01-01T00:00:00.001Z error softlabel: host=:: port=8080 [softlabel] two\\nlines\n")
    }

    @Test func logFormatIsASetting() throws {
        let setting = try #require(ServerSettings.setting("logFormat"))
        #expect(setting.flag == "--log-format" && setting.environment == "SOFTLABEL_LOG_FORMAT" && setting.defaultValue == "text")
        #expect(try ServerSettings.resolve(flags: [:], environment: [:]).logFormat == .text)
        #expect(try ServerSettings.resolve(flags: [:], environment: ["SOFTLABEL_LOG_FORMAT": "JSON"]).logFormat == .json)
        #expect(throws: ServerSettings.Invalid.self) { try ServerSettings.resolve(flags: ["logFormat": "xml"], environment: [:]) }
    }

    @Test func droppedLinesAreAMetric() {
        let metrics = ServiceMetrics()
        let text = { String(decoding: metrics.render(), as: UTF8.self) }
        #expect(text().contains("\nsoftlabel_access_log_dropped_lines_total 0"))
        metrics.logLinesDropped(3)
        metrics.logLinesDropped(2)
        #expect(text().contains("\nsoftlabel_access_log_dropped_lines_total 5"))
    }
}
