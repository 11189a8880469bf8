/// Selective classification from the top-label confidence (docs/api.md, "selective"; Geifman &
/// El-Yaniv 2017 for the risk-coverage curve, Traub et al. 2024 for AUGRC).
///
/// Rows are sorted by score s (the top-label probability) descending. E(k) = errors among the
/// k most confident rows, where a group of g rows with equal s holding e errors spreads them
/// evenly over its positions: after j of its rows, E = E_before + e·j/g. The result therefore
/// does not depend on the order of ties (numpy reference: "tie-averaged risk-coverage").
///   aurc  = (1/N) Σ_{k=1..N} E(k)/k,   augrc = (1/N²) Σ_k E(k),
///   risk_at_coverage(c) = E(m)/m with m = max(1, ⌈c·N⌉) (`CoverageLevel`),
///   misclassification_auroc = P(s_correct > s_wrong) + ½·P(s_correct = s_wrong) over all
///   (correct, wrong) pairs: scikit-learn's `roc_auc_score(correct, s)`; nil when every row is
///   correct or every row wrong.
/// Cost: the O(N log N) sort, then O(N). Not mergeable (it needs the rows).
public struct SelectiveMetrics: Sendable, Equatable {
    public var aurc: Double?
    public var augrc: Double?
    /// One entry per requested coverage, in request order (key, risk); nil risk for N = 0.
    public var riskAtCoverage: [(key: String, risk: Double?)]
    public var misclassificationAUROC: Double?

    public static func == (a: SelectiveMetrics, b: SelectiveMetrics) -> Bool {
        a.aurc == b.aurc && a.augrc == b.augrc && a.misclassificationAUROC == b.misclassificationAUROC
            && a.riskAtCoverage.map(\.key) == b.riskAtCoverage.map(\.key) && a.riskAtCoverage.map(\.risk) == b.riskAtCoverage.map(\.risk)
    }

    /// `confidence[r]` and `correct[r]` per row; `coverages` each in (0, 1].
    public init(confidence: [Double], correct: [Bool], coverages: [CoverageLevel]) {
        precondition(confidence.count == correct.count)
        let n = confidence.count
        guard n > 0 else {
            aurc = nil; augrc = nil; misclassificationAUROC = nil
            riskAtCoverage = coverages.map { ($0.key, nil) }
            return
        }
        // Descending score; the order inside a group of ties does not matter (errors are spread).
        let order = (0..<n).sorted { confidence[$0] > confidence[$1] }
        let targets = coverages.map { $0.rows(of: n) }
        var risks = [Double?](repeating: nil, count: coverages.count)
        var riskSum = CompensatedSum(), errorSum = CompensatedSum()
        var errorsBefore = 0
        var wrongTotal = 0
        for r in 0..<n where !correct[r] { wrongTotal += 1 }
        // AUROC: walking down the scores, each correct row of a group beats every wrong row in
        // the groups below (wrongTotal − wrongSeen − group's wrong) and ties with the group's wrong.
        var wins = 0.0
        var start = 0
        while start < n {
            var end = start + 1
            while end < n && confidence[order[end]] == confidence[order[start]] { end += 1 }
            var groupErrors = 0
            for i in start..<end where !correct[order[i]] { groupErrors += 1 }
            let g = end - start
            let groupCorrect = g - groupErrors
            wins += Double(groupCorrect) * (Double(wrongTotal - errorsBefore - groupErrors) + 0.5 * Double(groupErrors))
            let share = Double(groupErrors) / Double(g)
            for j in 1...g {
                let k = start + j
                let e = Double(errorsBefore) + share * Double(j)
                riskSum.add(e / Double(k))
                errorSum.add(e)
                for (c, m) in targets.enumerated() where m == k { risks[c] = e / Double(k) }
            }
            errorsBefore += groupErrors
            start = end
        }
        aurc = riskSum.value / Double(n)
        augrc = errorSum.value / (Double(n) * Double(n))
        riskAtCoverage = zip(coverages, risks).map { ($0.key, $1) }
        let correctTotal = n - wrongTotal
        misclassificationAUROC = correctTotal > 0 && wrongTotal > 0 ? wins / (Double(correctTotal) * Double(wrongTotal)) : nil
    }
}
