import Foundation
@testable import SoftLabelKernels
import SoftLabelTestSupport

/// Reads `Tests/Fixtures/calibration.json` and turns each case's request into kernel inputs, the
/// way the service will.
enum CalibrationFixtures {
    typealias Case = FixtureCase

    /// The cases, loaded by the test support (Foundation's JSONSerialization); throws a
    /// `FixtureError` naming the file when it cannot be read.
    static var cases: [Case] { get throws { try Fixtures.cases("calibration") } }

    static func matrix(_ value: Any?) -> Matrix? {
        guard let rows = value as? [[NSNumber]] else { return nil }
        let columns = rows.first?.count ?? 0
        return Matrix(rows: rows.count, columns: columns, values: rows.flatMap { $0.map { Float($0.doubleValue) } })
    }

    static func labels(_ c: Case) -> [Int] { (c.request["labels"] as! [NSNumber]).map(\.intValue) }

    static func input(_ c: Case) -> CalibrationInput {
        if let logits = matrix(c.request["logits"]) { return .logits(logits) }
        return .probabilities(matrix(c.request["probabilities"])!)
    }

    static func configuration(_ c: Case) -> CalibrationConfiguration {
        let r = c.request
        return CalibrationConfiguration(
            preset: (r["preset"] as? String).map { CalibrationConfiguration.Preset(rawValue: $0)! },
            bins: (r["bins"] as? NSNumber)?.intValue,
            binning: (r["binning"] as? String).map { CalibrationConfiguration.Binning(rawValue: $0)! } ?? .equalWidth,
            temperature: (r["temperature"] as? NSNumber).map { Float($0.doubleValue) } ?? 1,
            topK: (r["top_k"] as? [NSNumber])?.map(\.intValue) ?? CalibrationConfiguration.defaultTopK,
            bootstrap: (r["bootstrap"] as? NSNumber)?.intValue ?? 0)
    }

    /// |v − e| ≤ atol + rtol·|e|; a null expectation needs nil (the shared `Tolerance` rule).
    static func mismatch(_ name: String, _ value: Double?, _ expected: Any?, _ c: Case) -> String? {
        Tolerance.mismatch(value, expected, rtol: c.rtol, atol: c.atol, path: name)
    }

    /// Every expected field of a `/v1/calibration` case against the kernel's metrics.
    static func mismatches(_ m: CalibrationMetrics, _ c: Case) -> [String] {
        var failures = [String]()
        let scalars: [String: Double?] = [
            "accuracy": m.accuracy, "mean_confidence": m.meanConfidence, "ece": m.ece, "mce": m.mce, "rms_ce": m.rmsCE,
            "adaptive_ece": m.adaptiveECE, "classwise_ece": m.classwiseECE, "debiased_rms_ce": m.debiasedRMSCE,
            "smooth_ece": m.smoothECE, "brier": m.brier, "nll": m.nll, "mean_entropy": m.meanEntropy,
            "overconfidence": m.overconfidence,
        ]
        for (key, expected) in c.expected {
            switch key {
            case "top_k_accuracy":
                let table = expected as! [String: Any]
                for (k, e) in table {
                    if let f = mismatch("top_k_accuracy[\(k)]", m.topKAccuracy[Int(k)!], e, c) { failures.append(f) }
                }
                if m.topKAccuracy.count != table.count { failures.append("top_k_accuracy keys \(m.topKAccuracy.keys.sorted()) vs \(table.keys.sorted())") }
            case "reliability":
                let bins = expected as! [[String: Any]]
                guard bins.count == m.reliability.count else {
                    failures.append("reliability: \(m.reliability.count) bins, expected \(bins.count)")
                    continue
                }
                for (b, e) in bins.enumerated() {
                    let got = m.reliability[b]
                    for f in [mismatch("reliability[\(b)].lower", got.lower, e["lower"], c),
                              mismatch("reliability[\(b)].upper", got.upper, e["upper"], c),
                              mismatch("reliability[\(b)].count", Double(got.count), e["count"], c),
                              mismatch("reliability[\(b)].mean_confidence", got.meanConfidence, e["mean_confidence"], c),
                              mismatch("reliability[\(b)].accuracy", got.accuracy, e["accuracy"], c)] {
                        if let f { failures.append(f) }
                    }
                }
            default:
                guard let value = scalars[key] else {
                    failures.append("unknown expected field \(key)")
                    continue
                }
                if let f = mismatch(key, value, expected, c) { failures.append(f) }
            }
        }
        return failures
    }
}
