import Foundation
import Testing
import SoftLabelHTTP
@testable import SoftLabelService
import SoftLabelTestSupport

/// `openapi.yaml` lists exactly the routes the server answers (both ways), and each route's
/// documented 200 content type is what it serves. Adding a row to `RouteTable` without a spec
/// entry fails here.
@Suite struct RouteSpecTests {
    struct Operation: Hashable, CustomStringConvertible {
        var method: String
        var path: String
        var description: String { "\(method) \(path)" }
    }

    /// path → method → the 200 response's content type, from the spec's `paths:` section.
    static func specOperations() throws -> [Operation: String] {
        let text = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        var result: [Operation: String] = [:]
        var inPaths = false, path: String?, method: String?, in200 = false, inContent = false
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix("paths:") { inPaths = true; continue }
            if inPaths, let first = line.first, first != " ", first != "#" { break }
            guard inPaths, !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            let indent = line.prefix { $0 == " " }.count
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            switch indent {
            case 2: path = String(trimmed.dropLast()); method = nil
            case 4: method = String(trimmed.dropLast()).uppercased(); in200 = false; inContent = false
                if let path, let method { result[Operation(method: method, path: path)] = "" }
            case 8: in200 = trimmed.hasPrefix("'200'"); inContent = false
            case 10: inContent = in200 && trimmed == "content:"
            case 12 where inContent:
                if let path, let method, result[Operation(method: method, path: path)] == "" {
                    result[Operation(method: method, path: path)] = String(trimmed.dropLast())
                }
            default: break
            }
        }
        return result
    }

    static var served: Set<Operation> {
        Set(RouteTable.all.map { Operation(method: $0.method == .get ? "GET" : "POST", path: $0.pattern.text) })
    }

    @Test func specListsEveryRouteAndNoOther() throws {
        let spec = Set(try Self.specOperations().keys)
        let missing = Self.served.subtracting(spec).map(\.description).sorted()
        let extra = spec.subtracting(Self.served).map(\.description).sorted()
        #expect(missing.isEmpty, "routes the server answers that openapi.yaml does not list: \(missing)")
        #expect(extra.isEmpty, "paths in openapi.yaml the server does not answer: \(extra)")
    }

    @Test func documentedContentTypesAreServed() throws {
        let spec = try Self.specOperations()
        let handler = ServiceHTTPHandler(service: SoftLabelService(), metrics: ServiceMetrics(), isReady: { true })
        let calibration = Array(CalibrationEndpoint.example.utf8)
        let state = try #require(JSONSerialization.jsonObject(with: Data(handler.respond(to: HTTPRequest(method: "POST", target: "/v1/calibration", body: calibration)).body)) as? [String: Any])["state"]
        let merge = try JSONSerialization.data(withJSONObject: ["states": [state!]])
        let bodies: [String: [UInt8]] = [
            "/v1/smooth": Array(SmoothEndpoint.example.utf8), "/v1/loss": Array(LossEndpoint.example.utf8),
            "/v1/calibration": calibration, "/v1/reliability-diagram": calibration, "/v1/temperature": Array(TemperatureEndpoint.example.utf8),
            "/v1/calibration/merge": Array(merge),
        ]
        for (operation, documented) in spec {
            let target = operation.path.replacingOccurrences(of: "{model}", with: "loss").replacingOccurrences(of: "{version}", with: "1")
            let body = bodies[operation.path] ?? (operation.path.hasSuffix("/infer") ? Array(InferenceRequest.example("loss").utf8) : [])
            let response = handler.respond(to: HTTPRequest(method: operation.method, target: target, body: body))
            #expect(response.status == 200, "\(operation): \(String(decoding: response.body, as: UTF8.self).prefix(200))")
            let served = response.headers["content-type"]?.split(separator: ";").first.map(String.init)
            #expect(served == documented, "\(operation): documented \(documented), served \(served ?? "none")")
        }
    }
}
