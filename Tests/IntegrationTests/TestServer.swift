import Logging
import SoftLabelHTTP
import SoftLabelService

/// The real server (router, access log, metrics) on an ephemeral loopback port.
final class TestServer: Sendable {
    let server: SoftLabelServer
    let port: Int
    var base: String { "http://127.0.0.1:\(port)" }

    init(configure: (inout HTTPConfiguration, inout ServiceConfiguration) -> Void = { _, _ in }) throws {
        var http = HTTPConfiguration()
        http.host = "127.0.0.1"
        http.port = 0
        http.drainTimeout = 5
        var service = ServiceConfiguration()
        configure(&http, &service)
        var logger = Logger(label: "softlabel-test")
        logger.logLevel = .critical
        server = SoftLabelServer(http: http, service: service, logger: logger)
        port = try server.start()
    }

    func stop() {
        server.beginShutdown()
        server.waitUntilStopped()
    }
}
