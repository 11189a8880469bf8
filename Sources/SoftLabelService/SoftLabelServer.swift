import SoftLabelHTTP

/// The whole service on HTTP: the server, the router, the access log and the metrics wired
/// together. `softlabel serve` and the integration tests start exactly this.
public final class SoftLabelServer: Sendable {
    public let http: HTTPServer
    public let metrics: ServiceMetrics
    /// Where access-log lines go; nil: none (metrics only).
    public let accessLog: AccessLog.Output?

    /// `metrics` is a parameter so that a `LogWriter` made before the server can count its
    /// dropped lines there (`onDrop: metrics.logLinesDropped`).
    public init(http configuration: HTTPConfiguration, service: ServiceConfiguration = ServiceConfiguration(),
                metrics: ServiceMetrics = ServiceMetrics(), accessLog: AccessLog.Output? = nil) {
        let box = ServerBox()
        let handler = ServiceHTTPHandler(service: SoftLabelService(configuration: service), metrics: metrics,
                                         retryAfterSeconds: configuration.retryAfterSeconds, isReady: { !(box.server?.isDraining ?? false) })
        http = HTTPServer(configuration: configuration, handler: handler, observer: AccessLog(metrics: metrics, output: accessLog))
        box.server = http
        self.metrics = metrics
        self.accessLog = accessLog
    }

    /// Binds and listens; returns the bound port.
    public func start() throws -> Int { try http.start() }
    public func installSignalHandlers() { http.installSignalHandlers() }
    public func beginShutdown() { http.beginShutdown() }

    /// Blocks until the server has drained and stopped, then until the access-log lines of its
    /// last requests are written (at most 2 s more, if the log output blocks).
    public func waitUntilStopped() {
        http.waitUntilStopped()
        accessLog?.writer.flush()
    }
}

/// Lets the router ask the server it is mounted in whether it drains (set once, before start).
private final class ServerBox: @unchecked Sendable {
    weak var server: HTTPServer?
}
