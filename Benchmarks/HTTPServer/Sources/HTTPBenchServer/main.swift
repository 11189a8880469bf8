import SoftLabelHTTP

#if canImport(Glibc)
import Glibc
#endif

/// `GET /healthz` → 200 `{"status":"ok"}`; anything else → 404. SIGTERM/SIGINT drain and exit 0.
struct HealthHandler: HTTPHandler {
    static let ok = Array("{\"status\":\"ok\"}".utf8)

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        guard request.path == "/healthz" else { return HTTPResponse(status: 404) }
        return HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: Self.ok)
    }
}

var configuration = HTTPConfiguration()
configuration.host = "127.0.0.1"
configuration.port = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 8089 : 8089
let server = HTTPServer(configuration: configuration, handler: HealthHandler())
do {
    let port = try server.start()
    server.installSignalHandlers()
    print("listening on 127.0.0.1:\(port)")
    server.waitUntilStopped()
    print("stopped")
} catch {
    print("error: \(error)")
    exit(1)
}
