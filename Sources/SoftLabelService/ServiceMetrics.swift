import CoreMetrics
import Prometheus
import Synchronization

/// Prometheus metrics (text format 0.0.4) through swift-metrics with an injected
/// `PrometheusMetricsFactory`, so no process-global `MetricsSystem.bootstrap` is needed and
/// several servers (tests) can live in one process.
///
/// - `softlabel_http_requests_total{route, method, status}` (method: the standard ones, else "other")
/// - `softlabel_http_request_duration_seconds{route}` (histogram)
/// - `softlabel_http_requests_in_flight` (gauge)
/// - `softlabel_http_request_bytes_total`, `softlabel_http_response_bytes_total`
/// - `softlabel_http_connections_open` (gauge)
/// - `softlabel_access_log_dropped_lines_total`: log lines the `LogWriter` dropped because the
///   log output did not keep up (see `AccessLog`)
public final class ServiceMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let inFlight: CoreMetrics.Meter
    private let connections: CoreMetrics.Meter
    private let bytesIn: CoreMetrics.Counter
    private let bytesOut: CoreMetrics.Counter
    private let logLinesDropped: CoreMetrics.Counter
    /// The per-route handles, made once: asking the factory for them on every request (label
    /// validation, dimension sorting, the registry's lock and lookups) was ~2 % of a small request.
    private let perRoute = Mutex<[RequestKey: (requests: CoreMetrics.Counter, duration: CoreMetrics.Timer)]>([:])

    private struct RequestKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    /// Latency buckets from 100 µs to 10 s: the service's requests range from a 32×10 loss
    /// (~50 µs) to a 16 M-element calibration (seconds).
    static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.latencyBuckets
        self.factory = factory
        inFlight = CoreMetrics.Meter(label: "softlabel_http_requests_in_flight", dimensions: [], factory: factory)
        connections = CoreMetrics.Meter(label: "softlabel_http_connections_open", dimensions: [], factory: factory)
        bytesIn = CoreMetrics.Counter(label: "softlabel_http_request_bytes_total", dimensions: [], factory: factory)
        bytesOut = CoreMetrics.Counter(label: "softlabel_http_response_bytes_total", dimensions: [], factory: factory)
        logLinesDropped = CoreMetrics.Counter(label: "softlabel_access_log_dropped_lines_total", dimensions: [], factory: factory)
    }

    /// For `LogWriter`'s `onDrop`: `lines` log lines were dropped.
    public func logLinesDropped(_ lines: Int) { logLinesDropped.increment(by: lines) }

    /// The route label: the route table's label for `path`, else "other" (bounded cardinality).
    static func route(_ path: String?) -> String { Router.shared.label(path) }

    /// The method label: the methods of RFC 9110 §9 as sent, anything else "other" (a client
    /// inventing methods must not create unbounded series), "-" when the request line did not parse.
    static func method(_ method: String?) -> String {
        guard let method else { return "-" }
        return standardMethods.contains(method) ? method : "other"
    }

    static let standardMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]

    func requestStarted() { inFlight.increment() }
    func requestFinished() { inFlight.decrement() }
    func connectionOpened() { connections.increment() }
    func connectionClosed() { connections.decrement() }

    func record(method: String?, path: String?, status: Int, durationSeconds: Double, requestBytes: Int, responseBytes: Int) {
        let key = RequestKey(route: Self.route(path), method: Self.method(method), status: status)
        let handles = perRoute.withLock { cache in
            if let handles = cache[key] { return handles }
            // Routes, methods and statuses are each a bounded set, so is the cache (capped anyway).
            let handles = (
                requests: CoreMetrics.Counter(label: "softlabel_http_requests_total",
                    dimensions: [("route", key.route), ("method", key.method), ("status", String(key.status))], factory: factory),
                duration: CoreMetrics.Timer(label: "softlabel_http_request_duration_seconds", dimensions: [("route", key.route)], factory: factory))
            if cache.count < 4096 { cache[key] = handles }
            return handles
        }
        handles.requests.increment()
        handles.duration.recordNanoseconds(Int64(durationSeconds * 1e9))
        bytesIn.increment(by: requestBytes)
        bytesOut.increment(by: responseBytes)
    }

    /// One sentence per family, emitted as its `# HELP` line (swift-metrics' API has no help text,
    /// so the exposition is annotated here; a family without an entry gets a generic sentence).
    static let help: [String: String] = [
        "softlabel_http_requests_total": "Requests answered, by route (the route table's pattern), method and status.",
        "softlabel_http_request_duration_seconds": "Time from a request's first byte to its response's last, by route.",
        "softlabel_http_requests_in_flight": "Requests being handled now.",
        "softlabel_http_request_bytes_total": "Bytes of requests on the wire (head, body, framing).",
        "softlabel_http_response_bytes_total": "Bytes of responses on the wire (head and body).",
        "softlabel_http_connections_open": "Open connections, including ones being refused with 503.",
        "softlabel_access_log_dropped_lines_total": "Log lines (access log and others) dropped because the log output did not keep up.",
    ]

    /// The exposition text (format 0.0.4), every family with `# HELP` and `# TYPE`.
    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(8192)
        registry.emit(into: &buffer)
        var out: [UInt8] = []
        out.reserveCapacity(buffer.count + 1024)
        for line in buffer.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            if line.starts(with: Array("# TYPE ".utf8)) {
                let name = String(decoding: line.dropFirst(7).prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self)
                out.append(contentsOf: Array("# HELP \(name) \(Self.help[name] ?? "softlabel metric \(name).")\n".utf8))
            }
            out.append(contentsOf: line)
            out.append(UInt8(ascii: "\n"))
        }
        if buffer.last == UInt8(ascii: "\n") || buffer.isEmpty { out.removeLast() }
        return out
    }
}
