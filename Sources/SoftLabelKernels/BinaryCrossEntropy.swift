import RealModule

/// Multi-label sigmoid binary cross-entropy with Keras' label smoothing.
///
/// Per element (PyTorch `binary_cross_entropy_with_logits`, stable form):
///   ℓ = w_k·[max(x, 0) − x·t + log(1 + e^(−|x|))],  t ← t·(1−ε) + ε/2 (Keras `BinaryCrossentropy`).
/// A row's loss is the mean over its K labels (Keras), so reduction `mean` is the mean over all
/// B·K elements (PyTorch's `mean`). Gradient: ∂ℓ/∂x = w_k·(σ(x) − t) / K per row.
/// Matches PyTorch to rel. 1e-6 (`FixtureTests` on loss.json).
enum BinaryCrossEntropy {
    /// Row loss (mean over k), adding the gradient times `scale` into `grad`; writes the
    /// smoothed targets into `smoothed` and the sigmoid into `sigmoid` when given.
    static func row(x: UnsafePointer<Float>, t: UnsafePointer<Float>, count k: Int, epsilon: Float,
                    weight: UnsafePointer<Float>?, grad: UnsafeMutablePointer<Float>?, scale: Float,
                    smoothed: UnsafeMutablePointer<Float>?, sigmoid: UnsafeMutablePointer<Float>?) -> Double {
        let keep = 1 - epsilon
        let half = epsilon / 2
        let perClass = 1 / Double(k)
        var loss = 0.0
        for j in 0..<k {
            let xj = Double(x[j])
            let tj = Double(t[j] * keep + half)
            let wj = weight.map { Double($0[j]) } ?? 1
            loss += wj * (max(xj, 0) - xj * tj + Double.log(onePlus: Double.exp(-abs(xj))))
            let s = xj >= 0 ? 1 / (1 + Double.exp(-xj)) : Double.exp(xj) / (1 + Double.exp(xj))
            if let grad { grad[j] += scale * Float(wj * (s - tj) * perClass) }
            smoothed?[j] = Float(tj)
            sigmoid?[j] = Float(s)
        }
        return loss * perClass
    }
}
