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

    /// Each operation of the spec's `paths:` with the content types of its 200 response
    /// (following a `$ref` into `components/responses`).
    static func specOperations() throws -> [Operation: [String]] {
        let text = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func indent(_ line: String) -> Int { line.prefix { $0 == " " }.count }
        func trimmed(_ line: String) -> String { line.trimmingCharacters(in: .whitespaces) }
        // components/responses: name → content types.
        var shared: [String: [String]] = [:]
        var section = "", name: String?, inContent = false
        for line in lines where !trimmed(line).isEmpty {
            let i = indent(line), t = trimmed(line)
            if i == 0 { section = t; continue }
            if section == "components:", i == 2 { name = nil; if t == "responses:" { section = "responses" }; continue }
            guard section == "responses" else { continue }
            if i == 2 { section = ""; continue }
            if i == 4 { name = String(t.dropLast()); inContent = false; shared[name!] = [] }
            else if i == 6 { inContent = t == "content:" }
            else if i == 8, inContent, let name { shared[name]?.append(String(t.dropLast())) }
        }
        var result: [Operation: [String]] = [:]
        var inPaths = false, path: String?, current: Operation?, in200 = false, inContent200 = false
        // YAML anchors on `responses:` (`&name` defines, `*name` reuses another operation's).
        var anchors: [String: Operation] = [:], aliases: [Operation: String] = [:]
        for line in lines where !trimmed(line).isEmpty {
            let i = indent(line), t = trimmed(line)
            if i == 0 { inPaths = t == "paths:"; continue }
            guard inPaths else { continue }
            switch i {
            case 2: path = String(t.dropLast()); current = nil
            case 4:
                if let path {
                    current = Operation(method: String(t.dropLast()).uppercased(), path: path)
                    result[current!] = []
                }
                in200 = false
            case 6 where t.hasPrefix("responses:"):
                if let current, let mark = t.split(separator: " ").last {
                    if mark.hasPrefix("&") { anchors[String(mark.dropFirst())] = current }
                    if mark.hasPrefix("*") { aliases[current] = String(mark.dropFirst()) }
                }
            case 8:
                in200 = t.hasPrefix("'200'")
                if in200, let ref = t.split(separator: "/").last, t.contains("$ref"), let current {
                    result[current] = shared[String(ref.prefix { $0 != "'" })] ?? []
                }
            case 10: inContent200 = in200 && t == "content:"
            case 12 where inContent200: if let current { result[current]?.append(String(t.dropLast())) }
            default: break
            }
        }
        for (operation, anchor) in aliases {
            if let source = anchors[anchor] { result[operation] = result[source] }
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

    /// Wave 2: /v1/representation, its merge (of the example's state) and the projection diagram.
    static func representationBodies(_ handler: ServiceHTTPHandler) throws -> [String: [UInt8]] {
        let example = Array(RepresentationEndpoint.example.utf8)
        let response = handler.respond(to: HTTPRequest(method: "POST", target: "/v1/representation", body: example))
        let state = try #require(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])["state"]
        return ["/v1/representation": example, "/v1/projection-diagram": Array(ProjectionDiagramEndpoint.example.utf8),
                "/v1/representation/merge": Array(try JSONSerialization.data(withJSONObject: ["states": [state!]]))]
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
        ].merging(try Self.representationBodies(handler)) { a, _ in a }
        for (operation, documented) in spec {
            let target = operation.path.replacingOccurrences(of: "{model}", with: "loss").replacingOccurrences(of: "{version}", with: "1")
                .replacingOccurrences(of: "{file}", with: PageExamples.files[0].name)
            let body = bodies[operation.path] ?? (operation.path.hasSuffix("/infer") ? Array(InferenceRequest.example("loss").utf8) : [])
            let response = handler.respond(to: HTTPRequest(method: operation.method, target: target, body: body))
            #expect(response.status == 200, "\(operation): \(String(decoding: response.body, as: UTF8.self).prefix(200))")
            let served = response.headers["content-type"]?.split(separator: ";").first.map(String.init)
            #expect(served.map(documented.contains) == true, "\(operation): documented \(documented), served \(served ?? "none")")
        }
    }
}
