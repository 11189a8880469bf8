import Logging
import SoftLabelHTTP

/// The HTTP layer's observer: the request/connection metrics, and one access-log line per
/// response (method, path, status, bytes in and out, duration, request id, remote address; the
/// HTTP layer's error code and `aborted` when they apply), including the responses the HTTP layer
/// produces itself (400, 408, 413, 431, 503 ...). Lines are at `info`, 5xx at `warning`.
///
///     2026-12-02T09:41:07.123Z info softlabel: bytes_in=312 bytes_out=171 duration_ms=0.062 method=POST path=/v1/loss remote=127.0.0.1:50312 request_id=- status=200 [SoftLabelService] request
///
/// Why the hot path bypasses swift-log: through `Logger` + `StreamLogHandler` a line cost 17-26 µs
/// of CPU, +50-85 % on a 32×10 `/v1/loss` request (BENCHMARKS.md, "Access log") (a metadata dictionary per request,
/// `strftime` under glibc's time-zone lock, and a `write(2)` to stderr per line, under stdio's
/// lock, on the event loop). Here the line is formatted straight into bytes (`LogLine`,
/// `LogTimestamp`) into the `LogWriter`'s buffer of the calling thread, which a thread of its own
/// writes in batches; it drops
/// lines (counted in `/metrics`) rather than stall the loops when the output blocks. Every other
/// log line goes through swift-log (`LineLogHandler`, same format, same writer).
public struct AccessLog: HTTPObserver {
    /// Where and how access-log lines are written.
    public struct Output: Sendable {
        public var writer: LogWriter
        public var format: LogFormat
        /// Lines below this level are not written (`--log-level warning` keeps only 5xx lines).
        public var level: Logger.Level
        public var label: String

        public init(writer: LogWriter, format: LogFormat = .text, level: Logger.Level = .info, label: String = "softlabel") {
            self.writer = writer
            self.format = format
            self.level = level
            self.label = label
        }
    }

    let metrics: ServiceMetrics
    let output: Output?

    /// Metrics only when `output` is nil.
    public init(metrics: ServiceMetrics, output: Output?) {
        self.metrics = metrics
        self.output = output
    }

    public func connectionOpened() { metrics.connectionOpened() }
    public func connectionClosed() { metrics.connectionClosed() }

    public func responseSent(_ r: HTTPResponseRecord) {
        metrics.record(method: r.method, path: r.path, status: r.status, durationSeconds: r.durationSeconds,
                       requestBytes: r.requestBytes, responseBytes: r.responseBytes)
        guard let output else { return }
        let level = Self.level(r)
        guard level >= output.level else { return }
        let time = LogTimestamp.now()
        output.writer.append { buffer in
            if output.format == .text,
               AccessLineText.append(r, level: level, label: output.label, time: time, durationMicroseconds: Self.microseconds(r), to: &buffer) {
                return
            }
            var pending: [UInt8] = []
            swap(&pending, &buffer)
            buffer = Self.line(r, level: level, format: output.format, label: output.label, time: time, appendingTo: consume pending)
        }
    }

    /// The duration in whole microseconds, clamped to [0, 10^15] (0 when not finite).
    static func microseconds(_ r: HTTPResponseRecord) -> Int {
        r.durationSeconds.isFinite ? Int((min(max(r.durationSeconds, 0), 1e9) * 1e6).rounded()) : 0
    }

    static func level(_ r: HTTPResponseRecord) -> Logger.Level { r.status >= 500 ? .warning : .info }

    /// One line for `r`, fields sorted by key as swift-log's `StreamLogHandler` printed them
    /// (always through `LogLine`; the text line of the request path is `AccessLineText`'s copy).
    static func line(_ r: HTTPResponseRecord, level: Logger.Level, format: LogFormat, label: String,
                     time: (seconds: Int, milliseconds: Int), appendingTo buffer: consuming [UInt8] = []) -> [UInt8] {
        var line = LogLine(format: format, time: time, level: level, label: label, source: "SoftLabelService", message: "request",
                           appendingTo: consume buffer)
        if !r.completed { line.boolean("aborted", true) }
        line.integer("bytes_in", r.requestBytes)
        line.integer("bytes_out", r.responseBytes)
        line.milliseconds("duration_ms", microseconds: microseconds(r))
        if let code = r.errorCode { line.string("error", code) }
        line.string("method", r.method ?? "-")
        line.string("path", r.path ?? "-")
        if let remote = r.remoteAddress { line.string("remote", remote) }
        line.string("request_id", r.requestID ?? "-")
        line.integer("status", r.status)
        return line.finish()
    }
}
