import RealModule

/// Per-row terms of the softmax losses, each with its gradient. A row arrives with its logits
/// x, its log-partition logZ = logsumexp(x) and its probabilities p = e^(x − logZ) already in
/// a scratch buffer; `c` is the per-class coefficient w_k·q_k (class weight × smoothed target).
/// Every gradient is *added* into `grad` multiplied by `scale` (the reduction's factor), so
/// several terms can share one gradient row.
@usableFromInline
enum SoftmaxLossTerms {
    /// Cross-entropy against coefficients c: ℓ = Σ_k c_k·(logZ − x_k) = −Σ_k c_k log p_k.
    /// Gradient: ∂ℓ/∂x_j = p_j·Σc − c_j (= p − q for unweighted targets that sum to 1).
    /// Matches PyTorch `F.cross_entropy` (rel. error ≤ 1e-6 for K ≤ 1000: `FixtureTests` on loss.json).
    @inlinable
    static func crossEntropy(x: UnsafePointer<Float>, c: UnsafePointer<Float>, p: UnsafePointer<Float>, count k: Int,
                             logZ: Float, grad: UnsafeMutablePointer<Float>?, scale: Float) -> Double {
        let lz = SIMD8<Float>(repeating: logZ)
        var acc = SIMD8<Float>.zero
        var sumC = SIMD8<Float>.zero
        var i = 0
        while i + 8 <= k {
            let cv = Row.load(c + i)
            acc = acc.addingProduct(cv, lz - Row.load(x + i))
            sumC += cv
            i += 8
        }
        var tail: Float = 0
        var tailC: Float = 0
        while i < k {
            tail += c[i] * (logZ - x[i])
            tailC += c[i]
            i += 1
        }
        let totalC = Row.horizontalSum(sumC) + tailC
        if let grad {
            for j in 0..<k { grad[j] += scale * (p[j] * totalC - c[j]) }
        }
        return Double(Row.horizontalSum(acc) + tail)
    }

    /// Focal loss ℓ = −Σ_k c_k (1−p_k)^γ log p_k (Lin et al. 2017, with soft targets).
    /// With g_k = (1−p_k)^γ − γ·p_k·(1−p_k)^(γ−1)·log p_k, ∂ℓ/∂x_j = p_j·Σ_k c_k g_k − c_j g_j.
    /// Evaluated in Double per element; 1−p_k is −expm1(log p_k), exact near p_k = 1.
    /// Matches PyTorch autograd of the same formula (rel. error ≤ 1e-6: `FixtureTests` on
    /// loss.json; against central differences in `LossPropertyTests`). `scratch` holds K doubles
    /// (the g_k), so a row allocates nothing.
    static func focal(x: UnsafePointer<Float>, c: UnsafePointer<Float>, p: UnsafePointer<Float>, count k: Int,
                      logZ: Float, gamma: Float, grad: UnsafeMutablePointer<Float>?, scale: Float,
                      scratch g: UnsafeMutablePointer<Double>) -> Double {
        let gamma = Double(gamma)
        var loss = 0.0
        var sumCG = 0.0
        for j in 0..<k {
            let logP = Double(x[j]) - Double(logZ)
            let oneMinusP = -Double.expMinusOne(logP)
            let modulation = gamma == 0 ? 1 : Double.pow(oneMinusP, gamma)
            loss -= Double(c[j]) * modulation * logP
            if grad != nil {
                let pj = Double.exp(logP)
                let derivative = oneMinusP > 0 ? gamma * pj * modulation / oneMinusP * logP : 0
                g[j] = modulation - derivative
                sumCG += Double(c[j]) * g[j]
            }
        }
        if let grad {
            for j in 0..<k { grad[j] += scale * Float(Double(p[j]) * sumCG - Double(c[j]) * g[j]) }
        }
        return loss
    }

    /// Entropy H = −Σ_k p_k log p_k (nats). Gradient of −β·H: β·p_j·(log p_j + H), added
    /// times `scale` (the caller passes β·reductionFactor).
    @inlinable
    static func entropy(x: UnsafePointer<Float>, p: UnsafePointer<Float>, count k: Int, logZ: Float,
                        grad: UnsafeMutablePointer<Float>?, scale: Float) -> Double {
        var h = 0.0
        for j in 0..<k { h -= Double(p[j]) * (Double(x[j]) - Double(logZ)) }
        if let grad {
            let hf = Float(h)
            for j in 0..<k { grad[j] += scale * p[j] * ((x[j] - logZ) + hf) }
        }
        return h
    }

    /// KL(softmax(t/T) ‖ softmax(x/T)) for one row, and T²·KL's gradient T·(p_s − p_t)
    /// added times `scale` (Hinton et al. 2015; PyTorch `kl_div(log_softmax(x/T), softmax(t/T))`).
    /// `ps`/`pt` are scratch rows of K floats.
    static func distillation(x: UnsafePointer<Float>, teacher t: UnsafePointer<Float>, count k: Int, temperature: Float,
                             ps: UnsafeMutablePointer<Float>, pt: UnsafeMutablePointer<Float>,
                             grad: UnsafeMutablePointer<Float>?, scale: Float) -> Double {
        let inv = 1 / temperature
        let lzs = Softmax.logSumExp(x, count: k, inverseTemperature: inv)
        let lzt = Softmax.logSumExp(t, count: k, inverseTemperature: inv)
        Row.exp(x, k, scale: inv, shift: lzs, into: ps)
        Row.exp(t, k, scale: inv, shift: lzt, into: pt)
        var kl = 0.0
        for j in 0..<k where pt[j] > 0 {
            let logPt = Double(t[j] * inv) - Double(lzt)
            let logPs = Double(x[j] * inv) - Double(lzs)
            kl += Double(pt[j]) * (logPt - logPs)
        }
        if let grad {
            let s = scale * temperature
            for j in 0..<k { grad[j] += s * (ps[j] - pt[j]) }
        }
        return kl
    }
}
