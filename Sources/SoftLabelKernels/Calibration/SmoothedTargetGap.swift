import RealModule

/// The logit gap a label-smoothed target implies (docs/api.md, "logit_gap": `optimal`).
///
/// Cross-entropy against a smoothed target q is minimal where softmax(z) = q, so the optimal
/// true-class margin is log(q_y / max_{j≠y} q_j) (Müller et al. 2019, "When does label smoothing
/// help?", §2):
/// - `uniform`: q_y = 1 − ε + ε/K, q_j = ε/K  →  ln(1 + K(1 − ε)/ε);
/// - `off_target`: q_y = 1 − ε, q_j = ε/(K − 1)  →  ln((1 − ε)(K − 1)/ε).
/// nil without ε > 0, for the other kinds (their off-target mass is not uniform), and where the
/// logarithm is not finite (off_target with K = 1 or ε = 1).
public enum SmoothedTargetGap {
    public static func optimal(epsilon: Float?, kind: SmoothingKind?, numClasses k: Int) -> Double? {
        guard let epsilon, epsilon > 0, let kind else { return nil }
        let e = Double(epsilon), classes = Double(k)
        let gap: Double
        switch kind {
        case .uniform: gap = Double.log(onePlus: classes * (1 - e) / e)
        case .offTarget: gap = Double.log((1 - e) * (classes - 1) / e)
        case .prior, .similarity: return nil
        }
        return gap.isFinite ? gap : nil
    }
}
