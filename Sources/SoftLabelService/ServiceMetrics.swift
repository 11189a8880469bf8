import CoreMetrics
import Prometheus

/// Prometheus metrics (text format 0.0.4) through swift-metrics with an injected
/// `PrometheusMetricsFactory`, so no process-global `MetricsSystem.bootstrap` is needed and
/// several servers (tests) can live in one process.
///
/// - `softlabel_http_requests_total{route, method, status}`
/// - `softlabel_http_request_duration_seconds{route}` (histogram)
/// - `softlabel_http_requests_in_flight` (gauge)
/// - `softlabel_http_request_bytes_total`, `softlabel_http_response_bytes_total`
/// - `softlabel_http_connections_open` (gauge)
public final class ServiceMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let inFlight: CoreMetrics.Meter
    private let connections: CoreMetrics.Meter
    private let bytesIn: CoreMetrics.Counter
    private let bytesOut: CoreMetrics.Counter

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
    }

    /// The route label: the known route for `path`, else "other" (bounded cardinality).
    static func route(_ path: String?) -> String {
        guard let path else { return "unparsed" }
        if Routes.known.contains(path) { return path }
        if let label = OpenInferenceRoutes.metricsLabel(path) { return label }
        return "other"
    }

    func requestStarted() { inFlight.increment() }
    func requestFinished() { inFlight.decrement() }
    func connectionOpened() { connections.increment() }
    func connectionClosed() { connections.decrement() }

    func record(method: String?, path: String?, status: Int, durationSeconds: Double, requestBytes: Int, responseBytes: Int) {
        let route = Self.route(path)
        CoreMetrics.Counter(label: "softlabel_http_requests_total",
                dimensions: [("route", route), ("method", method ?? "-"), ("status", String(status))], factory: factory).increment()
        CoreMetrics.Timer(label: "softlabel_http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            .recordNanoseconds(Int64(durationSeconds * 1e9))
        bytesIn.increment(by: requestBytes)
        bytesOut.increment(by: responseBytes)
    }

    /// The exposition text.
    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(8192)
        registry.emit(into: &buffer)
        return buffer
    }
}
