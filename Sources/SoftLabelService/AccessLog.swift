import Logging
import SoftLabelHTTP

/// The HTTP layer's observer: one structured access-log line per response (method, path,
/// status, bytes, duration, request id), and the request/connection metrics. It sees the
/// responses the HTTP layer produces itself (400, 408, 413, 431, 503 ...) as well.
public struct AccessLog: HTTPObserver {
    let logger: Logger
    let metrics: ServiceMetrics

    public init(logger: Logger, metrics: ServiceMetrics) {
        self.logger = logger
        self.metrics = metrics
    }

    public func connectionOpened() { metrics.connectionOpened() }
    public func connectionClosed() { metrics.connectionClosed() }

    public func responseSent(_ r: HTTPResponseRecord) {
        metrics.record(method: r.method, path: r.path, status: r.status, durationSeconds: r.durationSeconds,
                       requestBytes: r.requestBytes, responseBytes: r.responseBytes)
        var metadata: Logger.Metadata = [
            "method": .string(r.method ?? "-"), "path": .string(r.path ?? "-"), "status": .stringConvertible(r.status),
            "bytes_in": .stringConvertible(r.requestBytes), "bytes_out": .stringConvertible(r.responseBytes),
            "duration_ms": .string(String(Int((r.durationSeconds * 1e6).rounded()) / 1000) + "." + Self.threeDigits(Int((r.durationSeconds * 1e6).rounded()) % 1000)),
            "request_id": .string(r.requestID ?? "-"),
        ]
        if let remote = r.remoteAddress { metadata["remote"] = .string(remote) }
        if let code = r.errorCode { metadata["error"] = .string(code) }
        if !r.completed { metadata["aborted"] = "true" }
        logger.log(level: r.status >= 500 ? .warning : .info, "request", metadata: metadata)
    }

    private static func threeDigits(_ v: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, 3 - s.count)) + s
    }
}
