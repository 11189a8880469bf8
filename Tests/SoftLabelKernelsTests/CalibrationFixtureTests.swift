import Foundation
import Testing
@testable import SoftLabelKernels

/// Every case of Tests/Fixtures/calibration.json at kernel level, within the case's tolerance.
@Suite("Calibration fixtures")
struct CalibrationFixtureTests {
    @Test("the fixture file holds the 24 cases of both endpoints")
    func fixtureInventory() throws {
        let cases = try CalibrationFixtures.cases
        #expect(cases.count == 24)
        #expect(cases.filter { $0.endpoint == "/v1/calibration" }.count == 21)
        #expect(cases.filter { $0.endpoint == "/v1/temperature" }.count == 3)
    }

    @Test("/v1/calibration cases", arguments: try CalibrationFixtures.cases.filter { $0.endpoint == "/v1/calibration" })
    func calibrationCase(_ c: CalibrationFixtures.Case) throws {
        let input = CalibrationFixtures.input(c)
        let labels = CalibrationFixtures.labels(c)
        let configuration = CalibrationFixtures.configuration(c)
        try Calibration.validate(input, labels: labels, configuration: configuration)
        let metrics = Calibration.compute(input, labels: labels, configuration: configuration)
        let failures = CalibrationFixtures.mismatches(metrics, c)
        #expect(failures.isEmpty, "\(c.name): \(failures.joined(separator: "; "))")

        // The metrics of the state alone agree with the full computation on every mergeable field.
        let fromState = Calibration.metrics(Calibration.state(input, labels: labels, configuration: configuration))
        #expect(fromState.ece == metrics.ece && fromState.classwiseECE == metrics.classwiseECE && fromState.reliability == metrics.reliability)
        #expect(fromState.adaptiveECE == nil && fromState.omitted.contains(.smoothECE))
    }

    @Test("/v1/temperature cases: T to 1e-4 relative, NLL and ECE before/after", arguments: try CalibrationFixtures.cases.filter { $0.endpoint == "/v1/temperature" })
    func temperatureCase(_ c: CalibrationFixtures.Case) throws {
        let logits = try #require(CalibrationFixtures.matrix(c.request["logits"]))
        let labels = CalibrationFixtures.labels(c)
        let bins = (c.request["bins"] as? NSNumber)?.intValue ?? CalibrationConfiguration.defaultBins
        try TemperatureScaling.validate(logits: logits, labels: labels, bins: bins)
        let fit = TemperatureScaling.fit(logits: logits, labels: labels, bins: bins)
        #expect(fit.converged && fit.bound == nil && fit.iterations <= 20)
        let expectedT = (c.expected["temperature"] as! NSNumber).doubleValue
        #expect(Swift.abs(fit.temperature - expectedT) <= 1e-4 * expectedT, "\(c.name): T \(fit.temperature) vs \(expectedT)")
        var failures = [String]()
        for (key, value) in [("temperature", fit.temperature), ("nll_before", fit.nllBefore), ("nll_after", fit.nllAfter),
                             ("ece_before", fit.eceBefore), ("ece_after", fit.eceAfter)] as [(String, Double?)] {
            if let f = CalibrationFixtures.mismatch(key, value, c.expected[key], c) { failures.append(f) }
        }
        #expect(failures.isEmpty, "\(c.name): \(failures.joined(separator: "; "))")
    }
}
