import Foundation

/// KNOWN, NOT YET FIXED bugs: with `FUZZ_SKIP_KNOWN=1` inputs in these classes are not sent to
/// the service (and not added to the corpus), so a long run keeps exploring instead of finding
/// them again. OFF by default: the fuzzer must keep finding them until the fixes land; delete
/// each rule once its fix is merged. The rules are deliberately wider than the minimal triggers.
///
/// 1. (from the issue) `/v1/calibration`, `/v1/reliability-diagram`, model `calibration`: a
///    temperature T ≠ 1 with a large logit / T traps converting a NaN confidence to a bin index
///    (`BinEdges.index(of:)` from `Accumulator.addRow`): temperature 1e-45 with any logits, 1e-30
///    with logits of a few units, but also (found by this fuzzer) T = 1e-3 with a logit of 1e7,
///    T = 1.5 with 1e10 (x·(1/T) − max·(1/T) in float32 is off by far more than 1 at that
///    magnitude). Rule: T ≠ 1 and max |logit| / T ≥ 1e8.
/// 2. (found by this fuzzer, same trap) `/v1/temperature` and model `temperature`: the fitted T
///    reaches its lower bound 1e-4 and the final metrics hit rule 1, e.g.
///    `{"logits":[[1e7,0]],"labels":[0]}`. Rule: max |logit| ≥ 1e4.
/// 3. (from the issue) `/v1/calibration/merge`: counts (each < 2^53, e.g. 2^53 − 1) whose sum over
///    bins or states exceeds Int.max trap on the overflow (`binCount.reduce(0, +)` in
///    `CalibrationState.validate`, `count += other.count` in `merge`). Rule: the counts of all
///    states add up to ≥ 2^63.
enum KnownIssues {
    static let skip = ProcessInfo.processInfo.environment["FUZZ_SKIP_KNOWN"] == "1"

    /// The known class `request` falls in, or nil.
    static func match(_ request: FuzzRequest) -> String? {
        guard let tree = request.tree else { return nil }
        switch request.route {
        case .v1("/v1/calibration"), .v1("/v1/reliability-diagram"):
            return scaledLogits(temperatures: [tree["temperature"]], logits: [tree["logits"]]) ? "large logit / temperature" : nil
        case .infer("calibration", _):
            return scaledLogits(temperatures: [tree["parameters"]?["temperature"]], logits: inferenceInput("logits", tree)) ? "large logit / temperature" : nil
        case .v1("/v1/temperature"):
            return largestMagnitude([tree["logits"]]) >= 1e4 ? "fitted temperature at its bound with large logits" : nil
        case .infer("temperature", _):
            return largestMagnitude(inferenceInput("logits", tree)) >= 1e4 ? "fitted temperature at its bound with large logits" : nil
        case .v1("/v1/calibration/merge"):
            return countOverflow(tree) ? "merged count overflow" : nil
        default:
            return nil
        }
    }

    /// Rule 1: some finite T ≠ 1 (after rounding to float32; every `temperature` entry counts)
    /// with max |logit| / T ≥ 1e8.
    static func scaledLogits(temperatures: [FuzzJSON?], logits: [FuzzJSON?]) -> Bool {
        let ts = temperatures.compactMap { $0?.doubleValue }.map { Double(Float($0)) }.filter { $0.isFinite && $0 > 0 && $0 != 1 }
        guard let smallest = ts.min() else { return false }
        return largestMagnitude(logits) / smallest >= 1e8
    }

    /// The largest finite |value| (as float32) among the numbers below `nodes`.
    static func largestMagnitude(_ nodes: [FuzzJSON?]) -> Double {
        var leaves: [FuzzJSON] = []
        for n in nodes { n?.leaves(into: &leaves) }
        return leaves.compactMap(\.doubleValue).map { abs(Double(Float($0))) }.filter(\.isFinite).max() ?? 0
    }

    /// The `data` of every input tensor named `name` of an inference request.
    static func inferenceInput(_ name: String, _ tree: FuzzJSON) -> [FuzzJSON?] {
        tree["inputs"]?.children.filter { $0["name"] == .string(name) }.map { $0["data"] } ?? []
    }

    /// The counts of all states together reach 2^63 (only then can an Int sum of them overflow).
    static func countOverflow(_ tree: FuzzJSON) -> Bool {
        var total = 0.0
        for path in tree.paths(where: { $0["bin_count"] != nil || $0["count"] != nil }) {
            guard case .object(let entries)? = tree.node(at: path[...]) else { continue }
            for entry in entries where Edge.stateCountKeys.contains(entry.key) {
                var leaves: [FuzzJSON] = []
                entry.value.leaves(into: &leaves)
                total += leaves.compactMap(\.doubleValue).filter { $0 > 0 && $0.isFinite }.reduce(0, +)
            }
        }
        return total >= 9.223372036854775807e18
    }
}
