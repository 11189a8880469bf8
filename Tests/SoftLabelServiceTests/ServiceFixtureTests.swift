import Foundation
import Testing
import SoftLabelService
import SoftLabelTestSupport

/// Every reference case through the service's full request path (JSON bytes in, JSON bytes out),
/// and through the `softlabel call` executable: the same bytes a batch job would see.
@Suite("Service against the reference fixtures")
struct ServiceFixtureTests {
    static var cases: [FixtureCase] {
        get throws { try Fixtures.cases("smoothing") + Fixtures.cases("loss") + Fixtures.cases("calibration") }
    }
    let service = SoftLabelService()

    static func check(_ c: FixtureCase, body: [UInt8]) {
        guard let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            Issue.record("\(c.name): response is not a JSON object: \(String(decoding: body, as: UTF8.self).prefix(300))")
            return
        }
        let mismatch = Tolerance.mismatch(json, c.expected, rtol: c.rtol, atol: c.atol)
        #expect(mismatch == nil, "\(c.name): \(mismatch ?? "")")
    }

    @Test("in process", arguments: try cases)
    func inProcess(_ c: FixtureCase) {
        let response = service.call(c.endpoint, body: c.requestBytes)
        #expect(response.status == 200, "\(c.name): \(String(decoding: response.body, as: UTF8.self))")
        Self.check(c, body: response.body)
    }

    @Test("through `softlabel call`", arguments: try cases)
    func throughCLI(_ c: FixtureCase) throws {
        let (status, stdout, stderr) = try ProductLocator.run(["call", c.endpoint], input: c.requestBytes)
        #expect(status == 0, "\(c.name): \(String(decoding: stdout + stderr, as: UTF8.self))")
        Self.check(c, body: stdout)
    }
}
