import Foundation
import Testing
import SoftLabelTestSupport

/// The `logit_gap` and `selective` cases of lens.json against the real server over HTTP: each
/// answer matches the reference and holds exactly `count` and the requested metric.
@Suite("HTTP: logit gap and selective reference vectors", .serialized)
final class LensOverHTTPTests {
    let server: TestServer

    init() throws { server = try TestServer() }
    deinit { server.stop() }

    @Test("every gap_* and selective_* case of lens.json")
    func fixtures() throws {
        let client = CurlClient(base: server.base)
        let cases = try Fixtures.cases("lens").filter { $0.name.hasPrefix("gap_") || $0.name.hasPrefix("selective_") }
        #expect(cases.count == 13)
        for c in cases {
            let r = try client.request("POST", c.endpoint, body: c.requestBytes)
            #expect(r.status == 200, "\(c.name): \(r.text.prefix(300))")
            let json = try #require(r.json, "\(c.name): not JSON")
            let mismatch = Tolerance.mismatch(json, c.expected, rtol: c.rtol, atol: c.atol)
            #expect(mismatch == nil, "\(c.name): \(mismatch ?? "")")
            let requested = Set(c.request["metrics"] as? [String] ?? [])
            #expect(Set(json.keys) == requested.union(["count"]), "\(c.name): \(json.keys.sorted())")
            if let gap = json["logit_gap"] as? [String: Any] {
                #expect(gap["infinite"] as? Int == 0 && (gap["quantiles"] as? [String: Any])?.count == 5, "\(c.name)")
            }
        }
    }
}
