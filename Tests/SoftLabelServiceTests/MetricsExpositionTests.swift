import Testing
import SoftLabelHTTP
@testable import SoftLabelService

/// `/metrics` names and describes every family: a `# HELP` line right before each `# TYPE`.
@Suite struct MetricsExpositionTests {
    @Test func everyFamilyHasHelpAndType() {
        let metrics = ServiceMetrics()
        let handler = ServiceHTTPHandler(service: SoftLabelService(), metrics: metrics, isReady: { true })
        _ = handler.respond(to: HTTPRequest(method: "GET", target: "/healthz"))
        metrics.record(method: "GET", path: "/healthz", status: 200, durationSeconds: 0.001, requestBytes: 40, responseBytes: 60)
        metrics.connectionOpened()
        let lines = String(decoding: metrics.render(), as: UTF8.self).split(separator: "\n").map(String.init)
        let types = lines.indices.filter { lines[$0].hasPrefix("# TYPE ") }
        #expect(types.count >= 5)
        for i in types {
            let name = lines[i].split(separator: " ")[2]
            #expect(i > 0 && lines[i - 1].hasPrefix("# HELP \(name) "), "\(name) has no # HELP line")
            #expect(!(lines[i - 1].contains("softlabel metric")), "\(name) has only the generic help")
        }
    }
}
