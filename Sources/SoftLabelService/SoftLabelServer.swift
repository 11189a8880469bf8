import Logging
import SoftLabelHTTP

/// The whole service on HTTP: the server, the router, the access log and the metrics wired
/// together. `softlabel serve` and the integration tests start exactly this.
public final class SoftLabelServer: Sendable {
    public let http: HTTPServer
    public let metrics: ServiceMetrics

    public init(http configuration: HTTPConfiguration, service: ServiceConfiguration = ServiceConfiguration(),
                logger: Logger = Logger(label: "softlabel")) {
        let metrics = ServiceMetrics()
        let box = ServerBox()
        let handler = ServiceHTTPHandler(service: SoftLabelService(configuration: service), metrics: metrics,
                                         retryAfterSeconds: configuration.retryAfterSeconds, isReady: { !(box.server?.isDraining ?? false) })
        http = HTTPServer(configuration: configuration, handler: handler, observer: AccessLog(logger: logger, metrics: metrics))
        box.server = http
        self.metrics = metrics
    }

    /// Binds and listens; returns the bound port.
    public func start() throws -> Int { try http.start() }
    public func installSignalHandlers() { http.installSignalHandlers() }
    public func beginShutdown() { http.beginShutdown() }
    public func waitUntilStopped() { http.waitUntilStopped() }
}

/// Lets the router ask the server it is mounted in whether it drains (set once, before start).
private final class ServerBox: @unchecked Sendable {
    weak var server: HTTPServer?
}
