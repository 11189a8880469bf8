import SoftLabelHTTP
import SoftLabelService

/// The real server (router, access log, metrics) on an ephemeral loopback port.
final class TestServer: Sendable {
    let server: SoftLabelServer
    let port: Int
    var base: String { "http://127.0.0.1:\(port)" }

    /// `maxBodyBytes` sets both layers' limit, as the CLI does.
    init(host: String = "127.0.0.1", maxBodyBytes: Int = 64 << 20, maxElements: Int = 16_777_216, maxClasses: Int = 1_000_000,
         compressMinBytes: Int = ServiceConfiguration().compressMinBytes) throws {
        let http = HTTPConfiguration(host: host, port: 0, maxBodyBytes: maxBodyBytes, drainTimeout: .seconds(5))
        let service = ServiceConfiguration(maxElements: maxElements, maxClasses: maxClasses, maxBodyBytes: maxBodyBytes,
                                           compressMinBytes: compressMinBytes)
        server = SoftLabelServer(http: http, service: service)
        port = try server.start()
    }

    func stop() {
        server.beginShutdown()
        server.waitUntilStopped()
    }
}
