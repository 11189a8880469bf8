import Foundation
@testable import SoftLabelKernels
import SoftLabelTestSupport

/// The `logit_gap` and `selective` cases of `Tests/Fixtures/lens.json` as kernel inputs, built
/// the way the service builds them (metrics → selection; label_smoothing, smoothing, coverages).
enum LensFixtures {
    static func cases(prefix: String) throws -> [FixtureCase] {
        try Fixtures.cases("lens").filter { $0.name.hasPrefix(prefix) }
    }

    static func configuration(_ c: FixtureCase) -> CalibrationConfiguration {
        let r = c.request
        var configuration = CalibrationConfiguration(temperature: (r["temperature"] as? NSNumber).map { Float($0.doubleValue) } ?? 1)
        if let names = r["metrics"] as? [String], case .success(let selection) = CalibrationSelection.parse(names) {
            configuration.selection = selection
        }
        configuration.logitGapEpsilon = (r["label_smoothing"] as? NSNumber).map { Float($0.doubleValue) }
        configuration.logitGapSmoothing = (r["smoothing"] as? String).flatMap(SmoothingKind.init(rawValue:)) ?? .uniform
        if let coverages = r["coverages"] as? [NSNumber] { configuration.coverages = coverages.map(\.doubleValue) }
        return configuration
    }

    static func compute(_ c: FixtureCase) throws -> CalibrationMetrics {
        let configuration = configuration(c)
        let input = CalibrationFixtures.input(c)
        let labels = CalibrationFixtures.labels(c)
        try Calibration.validate(input, labels: labels, configuration: configuration)
        return Calibration.compute(input, labels: labels, configuration: configuration)
    }

    /// The kernel's `logit_gap` as the API's JSON object (the keys of docs/api.md).
    static func json(_ g: LogitGapSummary) -> [String: Any] {
        var object: [String: Any] = ["infinite": g.infinite]
        let fields: [(String, Double?)] = [("mean", g.mean), ("std", g.std), ("min", g.min), ("max", g.max), ("top2_mean", g.top2Mean),
                                           ("norm_mean", g.normMean), ("optimal", g.optimal), ("beyond_optimal", g.beyondOptimal)]
        for (key, value) in fields { object[key] = value.map { $0 as Any } ?? NSNull() }
        if let quantiles = g.quantiles {
            object["quantiles"] = Dictionary(uniqueKeysWithValues: zip(LogitGapSummary.quantileLevels.map(\.key), quantiles))
        }
        return object
    }

    /// The kernel's `selective` as the API's JSON object.
    static func json(_ s: SelectiveMetrics) -> [String: Any] {
        func value(_ v: Double?) -> Any { v.map { $0 as Any } ?? NSNull() }
        return ["aurc": value(s.aurc), "augrc": value(s.augrc), "misclassification_auroc": value(s.misclassificationAUROC),
                "risk_at_coverage": Dictionary(uniqueKeysWithValues: s.riskAtCoverage.map { ($0.key, value($0.risk)) })]
    }
}
